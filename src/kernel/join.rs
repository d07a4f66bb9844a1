//! From decoded records, in time order, to facts: which socket each call
//! was made on, and that socket's addresses.
//!
//! A system call's record carries a descriptor, not a socket; the socket
//! events carry the kernel's socket pointer, not a descriptor. They are
//! joined exactly, inside the call, in the calling thread:
//!
//! - `connect(fd)`: the first state change to SYN-SENT made by this thread,
//!   in process context, before `connect` returns, is fd's socket;
//! - `listen(fd)`: likewise CLOSED -> LISTEN;
//! - `close(fd)` / `shutdown(fd)`: the first state change in process context
//!   (ESTABLISHED -> FIN-WAIT-1, LISTEN -> CLOSED...);
//! - `send*`/`write`/`recv*`/`read`: `sock_send_length` / `sock_recv_length`,
//!   which also end the call (with its result) where the tracer left
//!   those calls' exits off ([`Joiner::set_lengths_end_calls`]);
//! - `accept(fd)`: the kernel's accept queue is first in, first out: the
//!   connections that reached ESTABLISHED from SYN-RECEIVED on the
//!   listener's port, in that order, are what `accept` hands out.
//!   (Connections already waiting when tracing started are not known; the
//!   first use of the new descriptor corrects the map.)
//!
//! "Process context" matters: the network code runs in soft interrupts in
//! whatever task is current, so on loopback the server socket's SYN-RECEIVED
//! -> ESTABLISHED happens "in" the client. Such records carry the soft
//! interrupt flag and are never used to learn a descriptor.
//!
//! With a port filter, a call whose socket's addresses are not known yet
//! (a `socket()` before its `connect()`) is held on its descriptor until
//! they are, for at most [`HOLD`], then shown if the ports match.
//!
//! Pure code: process names and /proc lookups come through [`Procs`], so
//! tests feed records and a fake process table.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::decode::{Decoded, Ev, Role, Sys, Tuple};
use super::facts::{
    Call, How, KernelFact, Phase, Proto, Reset, Retransmit, SockId, SockState, SocketCall,
    StateChange,
};

/// The longest a call waits on its descriptor for the socket's addresses
/// (with a port filter only).
pub const HOLD: Duration = Duration::from_millis(150);
/// Most sockets remembered; the ones already closed go first.
const MAX_SOCKS: usize = 65_536;
/// Sockets whose life is over, still remembered (a late record about
/// one, a call made just before it ended, still finds its addresses);
/// older ones are forgotten, so that a connection storm does not keep
/// growing the table.
const MAX_FREED: usize = 4096;
/// Most descriptors remembered, over all processes.
const MAX_FDS: usize = 65_536;
/// Most calls held on one descriptor.
const MAX_HELD_PER_FD: usize = 16;
/// Most connections remembered per accept queue (per port).
const MAX_ACCEPT_QUEUE: usize = 4096;
/// Most threads with a call in progress.
const MAX_TASKS: usize = 16_384;
/// A call not known to be on an internet socket, this old, is forgotten
/// when the table of calls in progress is full.
const STALE_CALL: Duration = Duration::from_secs(10);

const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;
const IPPROTO_TCP: u16 = 6;
const IPPROTO_UDP: u16 = 17;
const SOCK_STREAM: u64 = 1;
const SOCK_DGRAM: u64 = 2;
/// `socket()`'s type argument also carries SOCK_NONBLOCK | SOCK_CLOEXEC.
const SOCK_TYPE_MASK: u64 = 0xf;

const TCP_ESTABLISHED: i32 = 1;
const TCP_SYN_SENT: i32 = 2;
const TCP_SYN_RECV: i32 = 3;
const TCP_CLOSE: i32 = 7;
const TCP_LISTEN: i32 = 10;

/// The joiner's tables. Their keys are small numbers the kernel chose
/// (pids, descriptors, socket pointers) and the tables are bounded, so a
/// multiplicative hash (FxHash, as rustc uses) replaces SipHash, whose
/// resistance to chosen keys buys nothing here and cost a third of the
/// time spent per record.
pub type Map<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;
/// A set with the same hash.
pub type Set<K> = HashSet<K, BuildHasherDefault<Fx>>;

/// FxHash: one rotate, xor and multiply per word.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fx(u64);

impl Fx {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_ne_bytes(w));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_i32(&mut self, i: i32) {
        self.add(u64::from(i as u32));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

/// What the joiner needs to know about processes (from /proc in real use).
pub trait Procs {
    /// The process a thread belongs to.
    fn tgid(&mut self, tid: u32) -> u32;
    /// The process's name as a student would say it (`python3 servidor.py`).
    fn prog(&mut self, pid: u32) -> String;
    /// The process ran a new program (file `filename`): name it again, now,
    /// while it surely runs.
    fn exec(&mut self, pid: u32, filename: &str);
    /// Thread `parent` created task `child`: a thread of its own process
    /// (`thread`) or a new process. Told when it happens, so that a
    /// thread that is gone before its records are read is still known.
    fn new_task(&mut self, parent: u32, child: u32, thread: bool);
    /// What /proc says about descriptor `fd` of `pid`, if it is an
    /// internet socket.
    fn fd_socket(&mut self, pid: u32, fd: i32) -> Option<ProcSocket>;
}

/// A socket as `/proc/PID/net/{tcp,udp,tcp6,udp6}` lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcSocket {
    pub proto: Proto,
    pub local: SocketAddr,
    pub peer: SocketAddr,
    pub listening: bool,
}

/// One record, its time already on the realtime clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub t: Duration,
    pub role: Role,
    pub rec: Decoded,
}

/// Counters of the join, for the end-of-run report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JoinStats {
    /// Calls on descriptors never shown to be internet sockets (files,
    /// Unix sockets): not facts.
    pub not_sockets: u64,
    /// Calls hidden by the port filter.
    pub filtered: u64,
    /// `accept` guesses the first use of the descriptor corrected.
    pub corrected: u64,
    /// Calls dropped because a table was full.
    pub overflow: u64,
}

#[derive(Clone, Debug, Default)]
struct SockInfo {
    ptr: Option<u64>,
    proto: Option<Proto>,
    family: u16,
    local: Option<SocketAddr>,
    peer: Option<SocketAddr>,
    state: Option<i32>,
    /// Descriptors known to refer to it.
    fds: u32,
    /// Its life is over (closed and no descriptor): the pointer may be
    /// reused by a new socket.
    freed: bool,
    /// It was seen entering LISTEN, so its accept queue is fully known.
    listen_seen: bool,
}

#[derive(Clone, Debug, Default)]
struct FdEntry {
    sock: Option<SockId>,
    proto: Option<Proto>,
    /// Calls waiting for the socket's addresses (port filter only).
    held: Vec<Call>,
    /// `accept` gave this descriptor from a guess; the first use checks it.
    guessed: bool,
    proc_tried: bool,
}

#[derive(Clone, Debug)]
struct Pending {
    t: Duration,
    sys: Sys,
    pid: u32,
    fd: i32,
    args: [u64; 2],
    /// Shown to be a call on an internet socket.
    confirmed: bool,
    /// The socket learned inside the call.
    learned: Option<SockId>,
    /// From `sock_*_length`.
    moved: Option<i32>,
    enter: Option<Call>,
    enter_sent: bool,
}

/// Turns records into facts. Feed it records in time order with
/// [`Joiner::push`]; take facts with [`Joiner::drain`].
pub struct Joiner<P: Procs> {
    procs: P,
    own_pid: u32,
    ports: Vec<u16>,
    tasks: Map<u32, Pending>,
    fds: Map<(u32, i32), FdEntry>,
    socks: Map<SockId, SockInfo>,
    by_ptr: Map<u64, SockId>,
    next_id: u32,
    accept_q: Map<(u16, u16), VecDeque<SockId>>,
    /// Listening descriptors /proc said are not internet sockets.
    not_inet: Set<(u32, i32)>,
    /// Calls not shown, per thread, since [`Joiner::noisy`] last asked.
    noise: Map<u32, u32>,
    /// Threads whose calls were shown, since [`Joiner::take_wanted`].
    wanted: Set<u32>,
    out: Vec<KernelFact>,
    stats: JoinStats,
    /// Sockets freed, oldest first (at most [`MAX_FREED`] kept).
    freed: VecDeque<SockId>,
    /// When the full table of calls in progress was last swept.
    last_sweep: Option<Duration>,
    /// The send and receive lengths end their calls (no exit records).
    lengths_end_calls: bool,
}

impl<P: Procs> Joiner<P> {
    /// `own_pid`: records of this process (the tracer's) are ignored.
    /// `ports`: show only sockets with one of these ports (empty: all).
    pub fn new(procs: P, own_pid: u32, ports: Vec<u16>) -> Joiner<P> {
        Joiner {
            procs,
            own_pid,
            ports,
            tasks: Map::default(),
            fds: Map::default(),
            socks: Map::default(),
            by_ptr: Map::default(),
            next_id: 1,
            accept_q: Map::default(),
            not_inet: Set::default(),
            noise: Map::default(),
            wanted: Set::default(),
            out: Vec::new(),
            stats: JoinStats::default(),
            lengths_end_calls: false,
            freed: VecDeque::new(),
            last_sweep: None,
        }
    }

    /// The tracer left the exits of the calls that move data off
    /// (`Sys::moves_data`): their `sock_*_length` record is their return.
    /// A call whose length never comes was not on an internet socket (a
    /// Unix socket's, a pipe's): the thread's next call replaces it.
    pub fn set_lengths_end_calls(&mut self, on: bool) {
        self.lengths_end_calls = on;
    }

    /// The facts produced so far.
    pub fn drain(&mut self) -> std::vec::Drain<'_, KernelFact> {
        self.out.drain(..)
    }

    /// Counters so far.
    pub fn stats(&self) -> JoinStats {
        self.stats
    }

    /// A notice that is not about a record (lost events, a disabled event).
    pub fn notice(&mut self, fact: KernelFact) {
        self.out.push(fact);
    }

    /// One record.
    pub fn push(&mut self, input: Input) {
        let Input { t, role, rec } = input;
        match rec.ev {
            Ev::Enter { sys, fd, args } => self.enter(t, rec.tid, sys, fd, args),
            Ev::Exit { sys, ret } => self.exit(t, rec.tid, sys, ret),
            Ev::State {
                sk,
                old,
                new,
                protocol,
                tuple,
            } => {
                // The Tcp instance sees every state change; the calls
                // instance never has this event.
                if role == Role::Tcp && protocol == IPPROTO_TCP {
                    self.state(t, rec.tid, rec.irq, sk, old, new, tuple);
                }
            }
            Ev::Length {
                send,
                sk,
                family,
                protocol,
                ret,
            } => self.length(t, rec.tid, rec.irq, send, sk, family, protocol, ret),
            Ev::Retransmit {
                sk,
                state,
                synack,
                tuple,
            } => {
                let sock = (sk != 0).then(|| self.sock_for(sk, Birth::No, None));
                if let Some(id) = sock {
                    self.note_tuple(id, tuple, IPPROTO_TCP);
                }
                self.out.push(KernelFact::Retransmit(Retransmit {
                    t,
                    sock,
                    state: state.map(SockState::from_kernel),
                    synack,
                    local: known(tuple.local),
                    peer: known(tuple.peer),
                }));
            }
            Ev::Reset {
                sent,
                sk,
                state,
                tuple,
            } => {
                // `tcp_send_reset` has no port fields to filter on in the
                // kernel: the port filter is applied here.
                if let Some(x) = tuple {
                    if !self.port_wanted(Some(x.local.port()))
                        && !self.port_wanted(Some(x.peer.port()))
                    {
                        return;
                    }
                }
                let sock = (sk != 0).then(|| self.sock_for(sk, Birth::No, None));
                self.out.push(KernelFact::Reset(Reset {
                    t,
                    sent,
                    sock,
                    state: state.map(SockState::from_kernel),
                    local: tuple.and_then(|x| known(x.local)),
                    peer: tuple.and_then(|x| known(x.peer)),
                }));
            }
            Ev::Exec { pid, filename } => self.procs.exec(pid, &filename),
            Ev::NewTask { pid, thread } => self.procs.new_task(rec.tid, pid, thread),
        }
    }

    /// Time has reached `now` (realtime, from the records' clock): release
    /// calls held longer than [`HOLD`].
    pub fn tick(&mut self, now: Duration) {
        let late: Vec<u32> = self
            .tasks
            .iter()
            .filter(|(_, p)| {
                p.confirmed && !p.enter_sent && p.sys != Sys::Socket && p.t + HOLD <= now
            })
            .map(|(tid, _)| *tid)
            .collect();
        for tid in late {
            if let Some(mut p) = self.tasks.remove(&tid) {
                self.send_enter(&mut p);
                self.tasks.insert(tid, p);
            }
        }
        let keys: Vec<(u32, i32)> = self
            .fds
            .iter()
            .filter(|(_, e)| e.held.first().is_some_and(|c| c.t + HOLD <= now))
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            self.try_proc(k, false);
            self.release(k, true);
        }
    }

    /// The end: every held call is decided, calls still in progress are
    /// shown as entered.
    pub fn finish(&mut self) {
        let mut pending: Vec<Pending> = self.tasks.drain().map(|(_, p)| p).collect();
        pending.sort_by_key(|p| p.t);
        for mut p in pending {
            if p.confirmed {
                self.send_enter(&mut p);
            }
        }
        let keys: Vec<(u32, i32)> = self
            .fds
            .iter()
            .filter(|(_, e)| !e.held.is_empty())
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            self.release(k, true);
        }
    }

    fn enter(&mut self, t: Duration, tid: u32, sys: Sys, fd: i64, args: [u64; 2]) {
        let pid = self.procs.tgid(tid);
        if pid == self.own_pid {
            return;
        }
        let fd = fd as i32;
        if sys == Sys::Close {
            self.not_inet.remove(&(pid, fd));
        }
        let known = self.fds.get(&(pid, fd)).map(|e| (e.sock, e.proto));
        let confirmed = match sys {
            Sys::Socket => {
                let family = args[0] as u16;
                if family != AF_INET && family != AF_INET6 {
                    return;
                }
                true
            }
            _ => known.is_some(),
        };
        if let Some(old) = self.tasks.get(&tid) {
            if self.lengths_end_calls && !old.confirmed && old.sys.moves_data() {
                // It ended without a length: not an internet socket.
                self.stats.not_sockets += 1;
                self.noise(tid);
            }
        }
        if self.tasks.len() >= MAX_TASKS && !self.tasks.contains_key(&tid) {
            // Threads that ended inside a call, or whose last call was on
            // something else than an internet socket, go first: looked
            // for at most once a second, not at every record while the
            // table stays full of calls on internet sockets.
            let swept_lately = self
                .last_sweep
                .is_some_and(|s| t < s + Duration::from_secs(1));
            if !swept_lately {
                self.last_sweep = Some(t);
                self.tasks
                    .retain(|_, p| p.confirmed || t.saturating_sub(p.t) < STALE_CALL);
            }
            if self.tasks.len() >= MAX_TASKS {
                self.stats.overflow += 1;
                return;
            }
        }
        let bytes = match sys {
            Sys::SendTo | Sys::RecvFrom | Sys::Read | Sys::Write => Some(args[0]),
            _ => None,
        };
        let mut enter = blank_call(t, pid, tid, sys, fd, args);
        enter.bytes = bytes;
        if sys == Sys::Socket {
            enter.proto = proto_of_type(args[1]);
        }
        let mut p = Pending {
            t,
            sys,
            pid,
            fd,
            args,
            confirmed,
            learned: None,
            moved: None,
            enter: Some(enter),
            enter_sent: false,
        };
        // A call on a descriptor known to be a socket is shown at once,
        // unless the call itself is about to say which socket it is (a
        // `connect()` right after `socket()`): then it waits for that, at
        // most until it returns or [`HOLD`] passes. `socket()` waits for
        // its descriptor, at the return.
        let sock_known = known.is_some_and(|(s, _)| s.is_some());
        if confirmed && sys != Sys::Socket && (sock_known || !learns_socket(sys)) {
            if let Some(mut c) = p.enter.take() {
                let (sock, proto) = known.unwrap_or((None, None));
                c.proto = proto;
                if let Some(id) = sock {
                    self.fill(&mut c, id);
                }
                self.emit(c, Some((pid, fd)));
                p.enter_sent = true;
            }
        }
        self.tasks.insert(tid, p);
    }

    fn exit(&mut self, t: Duration, tid: u32, sys: Sys, ret: i64) {
        let Some(mut p) = self.tasks.remove(&tid) else {
            return;
        };
        if p.sys != sys {
            // An exit record was lost: this call's start is not ours.
            return;
        }
        let key = (p.pid, p.fd);
        if !p.confirmed
            && matches!(sys, Sys::Accept | Sys::Accept4)
            && !self.not_inet.contains(&key)
        {
            // A listening socket from before tracing started: ask /proc
            // (once: a Unix socket's server accepts all day long).
            let found = self.procs.fd_socket(p.pid, p.fd);
            if found.is_none() {
                if self.not_inet.len() >= MAX_FDS {
                    self.not_inet.clear();
                }
                self.not_inet.insert(key);
            }
            if let Some(ps) = found {
                let id = self.new_sock(None);
                if let Some(info) = self.socks.get_mut(&id) {
                    info.proto = Some(ps.proto);
                    info.family = family_of(ps.local);
                    info.local = known(ps.local);
                    info.state = ps.listening.then_some(TCP_LISTEN);
                }
                self.set_fd(key, Some(id), Some(ps.proto));
                p.confirmed = true;
            }
        }
        if !p.confirmed {
            self.stats.not_sockets += 1;
            self.noise(tid);
            return;
        }
        let (result, errno) = if ret < 0 {
            (None, Some((-ret) as i32))
        } else {
            (Some(ret), None)
        };
        let mut c = match p.enter.clone() {
            Some(c) => c,
            None => blank_call(p.t, p.pid, tid, sys, p.fd, p.args),
        };
        c.t = t;
        c.phase = Phase::Return;
        c.result = result;
        c.errno = errno;
        c.bytes = None;
        match sys {
            Sys::Socket => {
                let enter = p.enter.take();
                match result {
                    Some(fd) => {
                        let fd = fd as i32;
                        let k = (p.pid, fd);
                        // A descriptor number we still knew: its old socket
                        // was closed in a way not followed (dup2, exit).
                        self.release(k, true);
                        self.set_fd(k, None, c.proto);
                        c.fd = Some(fd);
                        if let Some(mut e) = enter {
                            e.fd = Some(fd);
                            self.emit(e, Some(k));
                        }
                        self.emit(c, Some(k));
                    }
                    None => {
                        if let Some(e) = enter {
                            self.emit(e, None);
                        }
                        self.emit(c, None);
                    }
                }
                return;
            }
            Sys::Accept | Sys::Accept4 => {
                self.send_enter(&mut p);
                let listener = self.fds.get(&key).and_then(|e| e.sock);
                if let Some(newfd) = result {
                    let newfd = newfd as i32;
                    let child = listener.and_then(|l| self.pop_accepted(l));
                    let exact = listener
                        .and_then(|l| self.socks.get(&l))
                        .is_some_and(|i| i.listen_seen);
                    self.release((p.pid, newfd), true);
                    self.set_fd((p.pid, newfd), child, Some(Proto::Tcp));
                    if let Some(e) = self.fds.get_mut(&(p.pid, newfd)) {
                        e.guessed = child.is_none() || !exact;
                    }
                    match child {
                        Some(id) => self.fill(&mut c, id),
                        None => {
                            // Ask /proc for the new socket's addresses (not
                            // for a listener on a port nobody asked about:
                            // /proc/net/tcp is long on a busy machine).
                            let port = listener
                                .and_then(|l| self.socks.get(&l))
                                .and_then(|i| i.local)
                                .map(|a| a.port());
                            let ps = if self.port_wanted(port) {
                                self.procs.fd_socket(p.pid, newfd)
                            } else {
                                None
                            };
                            if let Some(ps) = ps {
                                c.local = known(ps.local);
                                c.peer = known(ps.peer);
                            }
                            c.sock = None;
                            c.proto = Some(Proto::Tcp);
                        }
                    }
                } else if let Some(id) = listener {
                    self.fill(&mut c, id);
                }
                self.emit(c, Some(key));
                return;
            }
            _ => {}
        }
        if matches!(sys, Sys::Bind | Sys::Connect) && p.learned.is_none() && result.is_some() {
            self.try_proc(key, true);
        }
        self.send_enter(&mut p);
        let sock = p
            .learned
            .or_else(|| self.fds.get(&key).and_then(|e| e.sock));
        if let Some(id) = sock {
            self.fill(&mut c, id);
        } else if let Some(e) = self.fds.get(&key) {
            c.proto = e.proto;
        }
        if matches!(
            c.call,
            SocketCall::Send | SocketCall::Recv | SocketCall::Sendto | SocketCall::Recvfrom
        ) {
            c.bytes = match p.moved {
                Some(n) if n >= 0 => Some(n as u64),
                _ => result.map(|r| r as u64),
            };
        }
        let closing = sys == Sys::Close && result.is_some();
        self.emit(c, Some(key));
        if closing {
            self.close_fd(key);
        }
    }

    /// Show the call's entry if it was waiting for confirmation.
    fn send_enter(&mut self, p: &mut Pending) {
        if p.enter_sent {
            return;
        }
        if let Some(mut c) = p.enter.take() {
            let key = (p.pid, p.fd);
            let sock = p
                .learned
                .or_else(|| self.fds.get(&key).and_then(|e| e.sock));
            if let Some(id) = sock {
                self.fill(&mut c, id);
            }
            self.emit(c, Some(key));
        }
        p.enter_sent = true;
    }

    #[allow(clippy::too_many_arguments)]
    fn state(
        &mut self,
        t: Duration,
        tid: u32,
        irq: bool,
        sk: u64,
        old: i32,
        new: i32,
        tuple: Tuple,
    ) {
        // Which call (if any) this change tells us the socket of.
        let learner = if irq {
            None
        } else {
            self.tasks.get(&tid).and_then(|p| {
                let fits = p.learned.is_none()
                    && match p.sys {
                        Sys::Connect => old == TCP_CLOSE && new == TCP_SYN_SENT,
                        Sys::Listen => old == TCP_CLOSE && new == TCP_LISTEN,
                        Sys::Close | Sys::Shutdown => true,
                        _ => false,
                    };
                fits.then_some((p.pid, p.fd))
            })
        };
        let birth = if old == TCP_LISTEN && new == TCP_SYN_RECV {
            Birth::Child
        } else if old == TCP_CLOSE && (new == TCP_SYN_SENT || new == TCP_LISTEN) {
            Birth::Fresh
        } else {
            Birth::No
        };
        let id = self.sock_for(sk, birth, learner);
        self.note_tuple(id, tuple, IPPROTO_TCP);
        if let Some(info) = self.socks.get_mut(&id) {
            info.state = Some(new);
            if new == TCP_LISTEN {
                info.listen_seen = true;
            }
        }
        if let Some(key) = learner {
            self.learn(tid, key, id);
        }
        // The kernel's accept queue, in order.
        if old == TCP_SYN_RECV && new == TCP_ESTABLISHED && tuple.local.port() != 0 {
            let q = (family_of(tuple.local), tuple.local.port());
            if self.accept_q.len() < MAX_FDS || self.accept_q.contains_key(&q) {
                let dq = self.accept_q.entry(q).or_default();
                if dq.len() >= MAX_ACCEPT_QUEUE {
                    dq.pop_front();
                }
                dq.push_back(id);
            }
        }
        if old == TCP_LISTEN && new == TCP_CLOSE {
            let q = (family_of(tuple.local), tuple.local.port());
            self.accept_q.remove(&q);
        }
        let (pid, prog) = if irq {
            (None, None)
        } else {
            let pid = self.procs.tgid(tid);
            (Some(pid), Some(self.procs.prog(pid)))
        };
        let (local, peer) = self
            .socks
            .get(&id)
            .map(|i| (i.local, i.peer))
            .unwrap_or_default();
        self.out.push(KernelFact::State(StateChange {
            t,
            sock: id,
            old: SockState::from_kernel(old),
            new: SockState::from_kernel(new),
            local,
            peer,
            pid,
            prog,
        }));
        if new == TCP_CLOSE {
            self.maybe_free(id);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn length(
        &mut self,
        t: Duration,
        tid: u32,
        irq: bool,
        send: bool,
        sk: u64,
        family: u16,
        protocol: u16,
        ret: i32,
    ) {
        if family != AF_INET && family != AF_INET6 {
            return;
        }
        let pid = self.procs.tgid(tid);
        if pid == self.own_pid {
            return;
        }
        let learner = if irq {
            None
        } else {
            self.tasks.get(&tid).and_then(|p| {
                let fits = p.learned.is_none()
                    && if send {
                        matches!(p.sys, Sys::SendTo | Sys::SendMsg | Sys::Write)
                    } else {
                        matches!(p.sys, Sys::RecvFrom | Sys::RecvMsg | Sys::Read)
                    };
                fits.then_some((p.pid, p.fd))
            })
        };
        let id = self.sock_for(sk, Birth::No, learner);
        if let Some(info) = self.socks.get_mut(&id) {
            info.family = family;
            info.proto = proto_of(protocol).or(info.proto);
        }
        match learner {
            Some(key) => {
                if let Some(p) = self.tasks.get_mut(&tid) {
                    p.moved = Some(ret);
                }
                self.learn(tid, key, id);
                if self.socks.get(&id).is_some_and(|i| i.local.is_none()) {
                    self.try_proc(key, false);
                }
                if self.lengths_end_calls {
                    if let Some(sys) = self.tasks.get(&tid).map(|p| p.sys) {
                        self.exit(t, tid, sys, i64::from(ret));
                    }
                }
            }
            None => {
                // A send or receive of a call not followed (`write()` outside
                // `-- PROGRAM`, `sendfile`...): shown as it returned.
                let mut c = Call {
                    t,
                    pid,
                    tid,
                    prog: self.procs.prog(pid),
                    call: if send {
                        SocketCall::Send
                    } else {
                        SocketCall::Recv
                    },
                    syscall: "",
                    phase: Phase::Return,
                    fd: None,
                    sock: None,
                    proto: None,
                    result: (ret >= 0).then_some(i64::from(ret)),
                    errno: (ret < 0).then(|| -ret),
                    local: None,
                    peer: None,
                    bytes: (ret >= 0).then_some(ret as u64),
                };
                self.fill(&mut c, id);
                self.emit(c, None);
            }
        }
    }

    /// The call in progress in `tid` was made on socket `id`.
    fn learn(&mut self, tid: u32, key: (u32, i32), id: SockId) {
        let Some(p) = self.tasks.get_mut(&tid) else {
            return;
        };
        p.learned = Some(id);
        p.confirmed = true;
        let enter_waits = !p.enter_sent;
        let entry = self.fds.get(&key);
        let prev = entry.and_then(|e| e.sock);
        if prev != Some(id) {
            if entry.is_some_and(|e| e.guessed && e.sock.is_some()) {
                self.stats.corrected += 1;
            }
            if entry.is_some_and(|e| e.guessed) {
                // The kernel accepted `id`: whatever queued before it was
                // accepted too, unseen (lost events): forget those.
                for q in self.accept_q.values_mut() {
                    if let Some(pos) = q.iter().position(|&c| c == id) {
                        q.drain(..=pos);
                    }
                }
            }
            let proto = self.socks.get(&id).and_then(|i| i.proto);
            self.set_fd(key, Some(id), proto);
        }
        if let Some(e) = self.fds.get_mut(&key) {
            e.guessed = false;
        }
        // The calls that waited for this socket come first.
        self.release(key, false);
        if enter_waits {
            // Shown now that we know its socket (and that it is one).
            let mut p = self.tasks.remove(&tid);
            if let Some(p) = p.as_mut() {
                self.send_enter(p);
            }
            if let Some(p) = p {
                self.tasks.insert(tid, p);
            }
        }
    }

    /// The socket for kernel pointer `ptr`.
    ///
    /// `birth`: the record shows a socket starting its life: a child
    /// (LISTEN -> SYN-RECEIVED, always a new object) or CLOSED -> SYN-SENT /
    /// LISTEN (new, unless it is the same closed socket trying again, as a
    /// `connect()` after a refused one). `learner`: the descriptor this
    /// record identifies (a socket found in /proc before its pointer was
    /// seen takes the pointer).
    fn sock_for(&mut self, ptr: u64, birth: Birth, learner: Option<(u32, i32)>) -> SockId {
        if let Some(&id) = self.by_ptr.get(&ptr) {
            if let Some(info) = self.socks.get(&id).filter(|i| !i.freed) {
                let again = matches!(info.state, None | Some(TCP_CLOSE));
                match birth {
                    Birth::No => return id,
                    Birth::Fresh if again => return id,
                    _ => {}
                }
            }
        }
        if let Some(key) = learner {
            let cur = self.fds.get(&key).and_then(|e| e.sock);
            if let Some(cur) = cur {
                if let Some(info) = self.socks.get_mut(&cur) {
                    if info.ptr.is_none() && !info.freed {
                        info.ptr = Some(ptr);
                        self.by_ptr.insert(ptr, cur);
                        return cur;
                    }
                }
            }
        }
        self.new_sock(Some(ptr))
    }

    fn new_sock(&mut self, ptr: Option<u64>) -> SockId {
        if self.socks.len() >= MAX_SOCKS {
            self.evict();
        }
        let id = SockId(self.next_id);
        self.next_id = self.next_id.wrapping_add(1).max(1);
        if let Some(p) = ptr {
            if let Some(old) = self.by_ptr.insert(p, id) {
                if let Some(i) = self.socks.get_mut(&old) {
                    i.ptr = None;
                    i.freed = true;
                }
            }
        }
        self.socks.insert(
            id,
            SockInfo {
                ptr,
                ..SockInfo::default()
            },
        );
        id
    }

    /// Make room: forget closed sockets, then the oldest.
    fn evict(&mut self) {
        self.socks.retain(|_, i| !i.freed);
        if self.socks.len() >= MAX_SOCKS {
            let mut ids: Vec<SockId> = self.socks.keys().copied().collect();
            ids.sort();
            for id in ids.iter().take(MAX_SOCKS / 4) {
                self.socks.remove(id);
            }
        }
        let socks = &self.socks;
        self.by_ptr.retain(|_, id| socks.contains_key(id));
    }

    fn note_tuple(&mut self, id: SockId, tuple: Tuple, protocol: u16) {
        if let Some(info) = self.socks.get_mut(&id) {
            info.family = family_of(tuple.local);
            info.proto = proto_of(protocol).or(info.proto);
            if tuple.local.port() != 0 {
                info.local = Some(tuple.local);
            }
            if let Some(p) = known(tuple.peer) {
                info.peer = Some(p);
            }
        }
    }

    fn set_fd(&mut self, key: (u32, i32), sock: Option<SockId>, proto: Option<Proto>) {
        if !self.fds.contains_key(&key) && self.fds.len() >= MAX_FDS {
            self.stats.overflow += 1;
            return;
        }
        let e = self.fds.entry(key).or_default();
        let old = e.sock;
        e.sock = sock;
        if proto.is_some() {
            e.proto = proto;
        }
        if old != sock {
            if let Some(o) = old {
                if let Some(i) = self.socks.get_mut(&o) {
                    i.fds = i.fds.saturating_sub(1);
                }
            }
            if let Some(n) = sock {
                if let Some(i) = self.socks.get_mut(&n) {
                    i.fds += 1;
                    i.freed = false;
                }
            }
        }
    }

    fn close_fd(&mut self, key: (u32, i32)) {
        self.release(key, true);
        if let Some(e) = self.fds.remove(&key) {
            if let Some(id) = e.sock {
                if let Some(i) = self.socks.get_mut(&id) {
                    i.fds = i.fds.saturating_sub(1);
                }
                self.maybe_free(id);
            }
        }
    }

    /// A socket that is closed and has no descriptor is gone: its pointer
    /// may come back as a new socket.
    fn maybe_free(&mut self, id: SockId) {
        if let Some(i) = self.socks.get_mut(&id) {
            let over = match i.proto {
                Some(Proto::Udp) => true,
                _ => matches!(i.state, None | Some(TCP_CLOSE)),
            };
            if i.fds == 0 && over && !i.freed {
                i.freed = true;
                if let Some(p) = i.ptr.take() {
                    self.by_ptr.remove(&p);
                }
                self.freed.push_back(id);
                while self.freed.len() > MAX_FREED {
                    if let Some(old) = self.freed.pop_front() {
                        // Unless it came back to life (a descriptor again).
                        if self.socks.get(&old).is_some_and(|i| i.freed) {
                            self.socks.remove(&old);
                        }
                    }
                }
            }
        }
    }

    /// The oldest connection in the accept queue of listener `l`.
    fn pop_accepted(&mut self, l: SockId) -> Option<SockId> {
        let info = self.socks.get(&l)?;
        let local = info.local?;
        let q = self.accept_q.get_mut(&(family_of(local), local.port()))?;
        let unspecified = local.ip().is_unspecified();
        let pos = q.iter().position(|c| {
            self.socks
                .get(c)
                .and_then(|ci| ci.local)
                .is_some_and(|cl| unspecified || cl.ip() == local.ip())
        })?;
        q.remove(pos)
    }

    /// Ask /proc for a socket's addresses: once per descriptor, and again
    /// after each `bind()` or `connect()` (`again`), which change them.
    fn try_proc(&mut self, key: (u32, i32), again: bool) {
        let Some(e) = self.fds.get_mut(&key) else {
            return;
        };
        if e.proc_tried && !again {
            return;
        }
        let sock = e.sock;
        if !again {
            if let Some(i) = sock.and_then(|s| self.socks.get(&s)) {
                if i.local.is_some() && (i.peer.is_some() || i.proto == Some(Proto::Udp)) {
                    return;
                }
            }
        }
        e.proc_tried = true;
        let Some(ps) = self.procs.fd_socket(key.0, key.1) else {
            return;
        };
        let id = match sock {
            Some(id) => id,
            None => {
                let id = self.new_sock(None);
                self.set_fd(key, Some(id), Some(ps.proto));
                id
            }
        };
        if let Some(i) = self.socks.get_mut(&id) {
            i.proto = Some(ps.proto);
            i.family = family_of(ps.local);
            // /proc is the kernel's word: it wins over what we had.
            i.local = known(ps.local).or(i.local);
            i.peer = known(ps.peer).or(i.peer);
        }
        self.release(key, false);
    }

    /// Fill a call's socket and addresses from what is known of `id`.
    fn fill(&self, c: &mut Call, id: SockId) {
        c.sock = Some(id);
        if let Some(i) = self.socks.get(&id) {
            c.proto = i.proto.or(c.proto);
            c.local = i.local;
            c.peer = i.peer;
        }
    }

    /// Fill a call that waited for its socket: the socket, and the
    /// addresses the call itself was about (the bound address of `bind`,
    /// the address `connect` went to), not ones the socket got later.
    fn fill_later(&self, c: &mut Call, id: SockId) {
        c.sock = c.sock.or(Some(id));
        let Some(i) = self.socks.get(&id) else {
            return;
        };
        c.proto = c.proto.or(i.proto);
        match c.call {
            SocketCall::Socket => {}
            SocketCall::Bind | SocketCall::Listen => c.local = c.local.or(i.local),
            SocketCall::Connect => c.peer = c.peer.or(i.peer),
            _ => {
                c.local = c.local.or(i.local);
                c.peer = c.peer.or(i.peer);
            }
        }
    }

    /// Where a call goes: out, held on its descriptor, or nowhere (port
    /// filter).
    fn emit(&mut self, mut c: Call, key: Option<(u32, i32)>) {
        let verdict = self.verdict(&c);
        // Named now (not for a call that is hidden), while the process
        // surely lives: a held call may be shown later.
        if verdict != Some(false) && c.prog.is_empty() {
            c.prog = self.procs.prog(c.pid);
        }
        match verdict {
            Some(true) => {
                if self.wanted.len() < MAX_TASKS {
                    self.wanted.insert(c.tid);
                }
                self.out.push(KernelFact::Call(c));
            }
            Some(false) => {
                self.stats.filtered += 1;
                self.noise(c.tid);
            }
            None => {
                let held = key.and_then(|k| self.fds.get_mut(&k));
                match held {
                    Some(e) if e.held.len() < MAX_HELD_PER_FD => e.held.push(c),
                    Some(_) => self.stats.overflow += 1,
                    None => {
                        self.stats.filtered += 1;
                        self.noise(c.tid);
                    }
                }
            }
        }
    }

    /// A call of `tid` that was not shown: counted, to find the programs
    /// that flood the tracer with calls nobody asked about.
    fn noise(&mut self, tid: u32) {
        if self.noise.len() < MAX_TASKS || self.noise.contains_key(&tid) {
            *self.noise.entry(tid).or_default() += 1;
        }
    }

    /// The threads with at least `min` calls not shown since the last time
    /// this was asked (then the count starts again).
    pub fn noisy(&mut self, min: u32) -> Vec<u32> {
        let mut v: Vec<u32> = self
            .noise
            .drain()
            .filter(|&(_, n)| n >= min)
            .map(|(tid, _)| tid)
            .collect();
        v.sort_unstable();
        v
    }

    /// The threads that made a call on a socket worth showing since the last
    /// time this was asked.
    pub fn take_wanted(&mut self) -> Set<u32> {
        std::mem::take(&mut self.wanted)
    }

    /// The process and program of a thread.
    pub fn who(&mut self, tid: u32) -> (u32, String) {
        let pid = self.procs.tgid(tid);
        (pid, self.procs.prog(pid))
    }

    /// Could a socket with this port be shown (port filter)?
    fn port_wanted(&self, port: Option<u16>) -> bool {
        self.ports.is_empty() || port.is_some_and(|p| self.ports.contains(&p))
    }

    /// Shown (`Some(true)`), hidden (`Some(false)`) or not known yet.
    fn verdict(&self, c: &Call) -> Option<bool> {
        if self.ports.is_empty() {
            return Some(true);
        }
        let info = c.sock.and_then(|id| self.socks.get(&id));
        let seen = [
            c.local,
            c.peer,
            info.and_then(|i| i.local),
            info.and_then(|i| i.peer),
        ];
        if seen
            .iter()
            .flatten()
            .any(|a| self.ports.contains(&a.port()))
        {
            return Some(true);
        }
        // Once a socket's addresses are all known and none matches, it is
        // another program's business.
        let complete = info.is_some_and(|i| {
            i.local.is_some()
                && (i.peer.is_some() || i.proto == Some(Proto::Udp) || i.state == Some(TCP_LISTEN))
        });
        if complete {
            return Some(false);
        }
        None
    }

    /// Release the calls held on a descriptor whose socket is now known.
    /// `force`: decide even if the addresses are still unknown (hidden).
    fn release(&mut self, key: (u32, i32), force: bool) {
        let Some(e) = self.fds.get_mut(&key) else {
            return;
        };
        if e.held.is_empty() {
            return;
        }
        let sock = e.sock;
        let held = std::mem::take(&mut e.held);
        let mut keep = Vec::new();
        for mut c in held {
            if let Some(id) = sock {
                self.fill_later(&mut c, id);
            }
            match self.verdict(&c) {
                Some(true) => self.out.push(KernelFact::Call(c)),
                Some(false) => self.stats.filtered += 1,
                None if force => {
                    // Some address is known but not its port pair: say
                    // nothing rather than show a call of another program.
                    self.stats.filtered += 1;
                }
                None => keep.push(c),
            }
        }
        if let Some(e) = self.fds.get_mut(&key) {
            e.held = keep;
        }
    }
}

/// A call's entry, before anything is known of its socket. The program's
/// name is filled when the call is shown: most calls followed are on files.
fn blank_call(t: Duration, pid: u32, tid: u32, sys: Sys, fd: i32, args: [u64; 2]) -> Call {
    Call {
        t,
        pid,
        tid,
        prog: String::new(),
        call: kind_of(sys, args),
        syscall: sys.name(),
        phase: Phase::Enter,
        fd: (sys != Sys::Socket).then_some(fd),
        sock: None,
        proto: None,
        result: None,
        errno: None,
        local: None,
        peer: None,
        bytes: None,
    }
}

/// Whether a record shows a socket's life starting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Birth {
    No,
    /// CLOSED -> SYN-SENT or LISTEN.
    Fresh,
    /// LISTEN -> SYN-RECEIVED: a new connection's own socket.
    Child,
}

fn kind_of(sys: Sys, args: [u64; 2]) -> SocketCall {
    match sys {
        Sys::Socket => SocketCall::Socket,
        Sys::Bind => SocketCall::Bind,
        Sys::Listen => SocketCall::Listen,
        Sys::Accept | Sys::Accept4 => SocketCall::Accept,
        Sys::Connect => SocketCall::Connect,
        // Python's send() is sendto() without an address.
        Sys::SendTo if args[1] != 0 => SocketCall::Sendto,
        Sys::SendTo | Sys::SendMsg | Sys::Write => SocketCall::Send,
        Sys::RecvFrom if args[1] != 0 => SocketCall::Recvfrom,
        Sys::RecvFrom | Sys::RecvMsg | Sys::Read => SocketCall::Recv,
        Sys::Shutdown => SocketCall::Shutdown(Some(How::from_arg(args[0]))),
        Sys::Close => SocketCall::Close,
    }
}

/// Calls during which the kernel's records say which socket they are on.
fn learns_socket(sys: Sys) -> bool {
    !matches!(sys, Sys::Socket | Sys::Bind | Sys::Accept | Sys::Accept4)
}

fn proto_of(protocol: u16) -> Option<Proto> {
    match protocol {
        IPPROTO_TCP => Some(Proto::Tcp),
        IPPROTO_UDP => Some(Proto::Udp),
        _ => None,
    }
}

fn proto_of_type(ty: u64) -> Option<Proto> {
    match ty & SOCK_TYPE_MASK {
        SOCK_STREAM => Some(Proto::Tcp),
        SOCK_DGRAM => Some(Proto::Udp),
        _ => None,
    }
}

fn family_of(a: SocketAddr) -> u16 {
    if a.is_ipv6() {
        AF_INET6
    } else {
        AF_INET
    }
}

/// An address worth showing: not `0.0.0.0:0`.
fn known(a: SocketAddr) -> Option<SocketAddr> {
    let unspecified = match a.ip() {
        IpAddr::V4(v) => v.is_unspecified(),
        IpAddr::V6(v) => v.is_unspecified(),
    };
    (!(unspecified && a.port() == 0)).then_some(a)
}

#[cfg(test)]
mod tests;
