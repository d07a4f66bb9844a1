//! The two ends of one run: a sender that sends the workload as fast as it
//! may, and a receiver that counts what arrives. The same code serves both
//! scenarios: as two threads of one process on loopback (`overload`), or as
//! two processes in the namespaces `alice` and `bob` (`lossy`).
//!
//! Narration is kept to the calls a student cares about (`socket`, `bind`,
//! `listen`, `connect`, `accept`, `close`); the thousands of `send`/`recv`
//! calls are narrated as one line each side, because a line per message would
//! change the timing we are measuring.
//!
//! How the UDP receiver knows the sender is done: UDP has no end of stream,
//! so the sender follows its last message with [`END_REPEATS`] end markers,
//! [`END_SPACING`] apart. The markers can be lost like any datagram (on a
//! lossy link, or dropped on a full receive buffer), so the receiver also
//! stops after `idle_timeout` without a datagram once it knows the sender
//! has finished (the [`Controls::sender_done`] flag, set by whoever started
//! the sender), and after [`MAX_SILENCE`] without a datagram in any case. A
//! lost end marker costs at most `idle_timeout`, and does not count in the
//! elapsed time, which ends at the last data message received.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use socket2::{Domain, Socket, Type};

use super::kernel;
use super::message::{self, Header, Kind};
use super::tally::{Summary, Tally};
use super::{ExperimentError, Proto};
use crate::narrate::{human_bytes, Ends, Narrator};
use crate::net::{self, NetError};
use crate::t;

/// End markers sent after the last UDP message.
pub const END_REPEATS: u32 = 5;
/// Pause between two end markers.
pub const END_SPACING: Duration = Duration::from_millis(2);
/// After an end marker, how long the receiver still waits for stragglers.
pub const END_GRACE: Duration = Duration::from_millis(50);
/// Warm-up datagrams sent before the workload (they make the sender's
/// kernel resolve the receiver's address with ARP before the first data
/// message, which would otherwise wait, or be dropped, in the ARP queue).
pub const WARMUP_DATAGRAMS: u32 = 3;
/// Pause after the warm-up datagrams.
pub const WARMUP_PAUSE: Duration = Duration::from_millis(20);
/// Without a single datagram for this long, the UDP receiver gives up.
pub const MAX_SILENCE: Duration = Duration::from_secs(30);
/// How long the TCP receiver waits for the sender to connect.
pub const ACCEPT_TIMEOUT: Duration = Duration::from_secs(60);
/// How often blocked calls wake up to look at the [`Controls`].
const POLL: Duration = Duration::from_millis(50);
/// Receive buffer for one datagram: the largest there is.
const DATAGRAM_BUFFER: usize = 64 * 1024;
/// The pacer sleeps only when it is at least this far ahead of schedule
/// (shorter sleeps overshoot); messages due sooner go out at once.
const PACING_SLACK: Duration = Duration::from_millis(1);

/// Shared between the two ends and whoever watches them.
#[derive(Clone, Debug, Default)]
pub struct Controls {
    /// Data messages sent so far.
    pub sent: Arc<AtomicU64>,
    /// Distinct data messages received so far.
    pub received: Arc<AtomicU64>,
    /// Set when the sender has finished (the UDP receiver may then stop
    /// after `idle_timeout` of silence).
    pub sender_done: Arc<AtomicBool>,
    /// Set to make both ends stop as soon as they can.
    pub abort: Arc<AtomicBool>,
}

impl Controls {
    fn aborted(&self) -> bool {
        self.abort.load(Ordering::Relaxed)
    }
}

/// What the receiver needs to know.
#[derive(Clone, Debug)]
pub struct ReceiverConfig {
    pub proto: Proto,
    /// Address to bind (port 0: any free port).
    pub bind: SocketAddr,
    /// Messages in the workload (sequence numbers 0..messages).
    pub messages: u64,
    /// Bytes per message.
    pub size: usize,
    /// Pause after each message received: a deliberately slow receiver.
    pub recv_delay: Duration,
    /// SO_RCVBUF to ask for; `None` keeps the kernel's default.
    pub rcvbuf: Option<usize>,
    /// UDP: once the sender is done, stop after this long without a datagram.
    pub idle_timeout: Duration,
}

/// What the sender needs to know.
#[derive(Clone, Debug)]
pub struct SenderConfig {
    pub proto: Proto,
    /// The receiver's address.
    pub to: SocketAddr,
    pub messages: u64,
    pub size: usize,
    /// Messages per second; `None`: as fast as the socket accepts them.
    pub rate: Option<f64>,
}

/// The sender's report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sent {
    /// Data messages handed to the kernel.
    pub sent: u64,
    /// Wall-clock time of the first and last send, ns since 1970.
    pub first_send_ns: Option<u64>,
    pub last_send_ns: Option<u64>,
    /// TCP: segments the kernel retransmitted (`tcpi_total_retrans`).
    pub retransmissions: Option<u64>,
    /// TCP: of those, the ones the receiver already had: it reported the
    /// copy as a duplicate with D-SACK (`tcpi_dsack_dups`). A timer fired
    /// before the acknowledgement was processed; nothing had been lost.
    pub spurious_retransmissions: Option<u64>,
    /// UDP: `sendto()` calls that failed with ENOBUFS and were tried again.
    pub send_retries: u64,
    /// TCP: how long `connect()` took (the three-way handshake), ms. Not
    /// part of the elapsed time, which starts at the first send.
    pub connect_ms: Option<f64>,
}

/// The receiver's report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Received {
    pub summary: Summary,
    /// The receive buffer the kernel actually gave (`getsockopt(SO_RCVBUF)`).
    pub rcvbuf_bytes: Option<u64>,
    /// UDP: growth of the namespace's `RcvbufErrors` during the run.
    pub rcvbuf_errors: Option<u64>,
    /// UDP: datagrams the kernel dropped on this socket (`/proc/net/udp`).
    pub socket_drops: Option<u64>,
    /// UDP: true if an end marker arrived (false: stopped on the idle timeout).
    pub end_marker: bool,
    /// UDP: end markers and warm-up datagrams received (of [`END_REPEATS`]
    /// and [`WARMUP_DATAGRAMS`]), to match the kernel's drop counters, which
    /// count every datagram.
    pub end_markers: u64,
    pub warmups: u64,
    /// Datagrams or frames that were not messages of this workload.
    pub malformed: u64,
}

// ---- sender ----------------------------------------------------------------

/// Sends message `i` no earlier than `i / rate` seconds after the start.
struct Pacer {
    start: Instant,
    interval: Option<Duration>,
}

impl Pacer {
    fn new(rate: Option<f64>) -> Pacer {
        Pacer {
            start: Instant::now(),
            interval: rate
                .filter(|r| *r > 0.0 && r.is_finite())
                .map(|r| Duration::from_secs_f64(1.0 / r)),
        }
    }

    fn wait_for(&self, i: u64) {
        let Some(interval) = self.interval else {
            return;
        };
        let due = self.start + interval.mul_f64(i as f64);
        let ahead = due.saturating_duration_since(Instant::now());
        if ahead >= PACING_SLACK {
            thread::sleep(ahead);
        }
    }
}

/// Send the workload to `cfg.to` and report what was sent.
pub fn send(cfg: &SenderConfig, n: &Narrator, c: &Controls) -> Result<Sent, ExperimentError> {
    let what = format!(
        "{}, {}",
        net::family_name(&cfg.to),
        match cfg.proto {
            Proto::Tcp => "SOCK_STREAM",
            Proto::Udp => "SOCK_DGRAM",
        }
    );
    let ty = match cfg.proto {
        Proto::Tcp => Type::STREAM,
        Proto::Udp => Type::DGRAM,
    };
    let result = n
        .call(
            "socket",
            &what,
            Ends::NONE,
            Socket::new(Domain::for_address(cfg.to), ty, None),
        )
        .map_err(|error| NetError::Socket { what, error }.into())
        .and_then(|sock| match cfg.proto {
            Proto::Tcp => send_tcp(cfg, sock, n, c),
            Proto::Udp => send_udp(cfg, sock, n, c),
        });
    // Done, or failed: either way the receiver should not wait for more.
    c.sender_done.store(true, Ordering::Relaxed);
    result
}

fn send_udp(
    cfg: &SenderConfig,
    sock: Socket,
    n: &Narrator,
    c: &Controls,
) -> Result<Sent, ExperimentError> {
    let sock = UdpSocket::from(sock);
    let mut buf = message::buffer(cfg.size);
    let transfer = |error| NetError::Transfer {
        call: "sendto",
        peer: cfg.to,
        error,
    };
    let mut report = Sent::default();

    for i in 0..WARMUP_DATAGRAMS {
        Header {
            kind: Kind::Warmup,
            seq: i.into(),
            sent_ns: message::now_ns(),
        }
        .write(&mut buf);
        send_datagram(&sock, &buf, cfg.to, &mut report).map_err(transfer)?;
        thread::sleep(WARMUP_PAUSE / WARMUP_DATAGRAMS);
    }
    thread::sleep(WARMUP_PAUSE);

    let call = n.enter(
        "sendto",
        format!("{}, {} bytes", cfg.to, cfg.size),
        Ends::peer(cfg.to),
    );
    let pacer = Pacer::new(cfg.rate);
    for seq in 0..cfg.messages {
        if c.aborted() {
            break;
        }
        pacer.wait_for(seq);
        let sent_ns = message::now_ns();
        Header {
            kind: Kind::Data,
            seq,
            sent_ns,
        }
        .write(&mut buf);
        send_datagram(&sock, &buf, cfg.to, &mut report).map_err(transfer)?;
        report.first_send_ns.get_or_insert(sent_ns);
        report.last_send_ns = Some(sent_ns);
        report.sent += 1;
        c.sent.store(report.sent, Ordering::Relaxed);
    }
    let local = sock.local_addr().ok();
    let ends = Ends {
        local,
        peer: Some(cfg.to),
    };
    n.done_repeated(
        call,
        report.sent,
        ends,
        t!(
            "exp-sent-messages",
            n = report.sent,
            bytes = bytes_text(report.sent * cfg.size as u64)
        ),
    );

    // No FIN in UDP: tell the receiver we are done, several times.
    for _ in 0..END_REPEATS {
        Header {
            kind: Kind::End,
            seq: report.sent,
            sent_ns: message::now_ns(),
        }
        .write(&mut buf);
        send_datagram(&sock, &buf, cfg.to, &mut report).map_err(transfer)?;
        thread::sleep(END_SPACING);
    }
    n.explain(t!("exp-end-markers", n = END_REPEATS));
    n.call("close", "", ends, Ok(()))?;
    Ok(report)
}

/// One `sendto()`. A full queue below the socket (ENOBUFS) is not a loss of
/// the network: wait a moment and try again, and count it.
fn send_datagram(
    sock: &UdpSocket,
    buf: &[u8],
    to: SocketAddr,
    report: &mut Sent,
) -> io::Result<()> {
    loop {
        match sock.send_to(buf, to) {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                report.send_retries += 1;
                thread::sleep(Duration::from_micros(100));
            }
            Err(e) => return Err(e),
        }
    }
}

fn send_tcp(
    cfg: &SenderConfig,
    sock: Socket,
    n: &Narrator,
    c: &Controls,
) -> Result<Sent, ExperimentError> {
    let call = n.enter("connect", cfg.to, Ends::peer(cfg.to));
    let connecting = Instant::now();
    if let Err(error) = sock.connect(&cfg.to.into()) {
        n.failed(call, &error);
        return Err(NetError::Connect {
            addr: cfg.to,
            error,
        }
        .into());
    }
    let ends = Ends::of(&sock);
    n.done(call, ends, t!("exp-connected"));
    let mut stream = TcpStream::from(sock);
    let transfer = |call, error| NetError::Transfer {
        call,
        peer: cfg.to,
        error,
    };

    let mut buf = message::buffer(cfg.size);
    let mut report = Sent {
        connect_ms: Some(connecting.elapsed().as_secs_f64() * 1e3),
        ..Sent::default()
    };
    let call = n.enter("send", format!("{} bytes", cfg.size), ends);
    let pacer = Pacer::new(cfg.rate);
    for seq in 0..cfg.messages {
        if c.aborted() {
            break;
        }
        pacer.wait_for(seq);
        let sent_ns = message::now_ns();
        Header {
            kind: Kind::Data,
            seq,
            sent_ns,
        }
        .write(&mut buf);
        // write_all: send() may take only part of the message when the send
        // buffer is nearly full; the rest goes in the next call.
        stream
            .write_all(&buf)
            .map_err(|error| transfer("send", error))?;
        report.first_send_ns.get_or_insert(sent_ns);
        report.last_send_ns = Some(sent_ns);
        report.sent += 1;
        c.sent.store(report.sent, Ordering::Relaxed);
    }
    n.done_repeated(
        call,
        report.sent,
        ends,
        t!(
            "exp-sent-messages",
            n = report.sent,
            bytes = bytes_text(report.sent * cfg.size as u64)
        ),
    );

    // shutdown(SHUT_WR) sends our FIN after the data. Then wait for the
    // receiver's FIN: once it comes, every byte has been acknowledged, so
    // the kernel's retransmission count is final.
    n.call(
        "shutdown",
        "SHUT_WR",
        ends,
        stream.shutdown(Shutdown::Write),
    )
    .map_err(|error| transfer("shutdown", error))?;
    stream
        .set_read_timeout(Some(POLL))
        .map_err(|error| transfer("setsockopt", error))?;
    let mut scratch = [0u8; 512];
    loop {
        match stream.read(&mut scratch) {
            Ok(0) => break,
            Ok(_) => continue,
            Err(e) if is_timeout(&e) => {
                if c.aborted() {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(transfer("recv", error).into()),
        }
    }
    if let Ok(r) = crate::sys::tcp_retransmissions(stream.as_raw_fd()) {
        report.retransmissions = Some(u64::from(r.total));
        // A D-SACK can name a copy the network duplicated, which was never
        // retransmitted: never more needless retransmissions than there were.
        report.spurious_retransmissions = r.dsack_dups.map(|d| u64::from(d.min(r.total)));
    }
    n.call("close", "", ends, Ok(()))?;
    Ok(report)
}

// ---- receiver --------------------------------------------------------------

/// A receiver whose socket is bound (and listening, for TCP), ready to run.
#[derive(Debug)]
pub struct Receiver {
    cfg: ReceiverConfig,
    sock: Socket,
    local: SocketAddr,
    n: Narrator,
    rcvbuf_bytes: Option<u64>,
    rcvbuf_errors_before: Option<u64>,
}

impl Receiver {
    /// socket(), setsockopt(SO_RCVBUF), bind() (and listen() for TCP).
    pub fn bind(cfg: ReceiverConfig, n: Narrator) -> Result<Receiver, ExperimentError> {
        let (ty, ty_name) = match cfg.proto {
            Proto::Tcp => (Type::STREAM, "SOCK_STREAM"),
            Proto::Udp => (Type::DGRAM, "SOCK_DGRAM"),
        };
        let what = format!("{}, {ty_name}", net::family_name(&cfg.bind));
        let sock = n
            .call(
                "socket",
                &what,
                Ends::NONE,
                Socket::new(Domain::for_address(cfg.bind), ty, None),
            )
            .map_err(|error| NetError::Socket { what, error })?;
        let sockopt = |error| NetError::Transfer {
            call: "setsockopt",
            peer: cfg.bind,
            error,
        };
        if let Some(bytes) = cfg.rcvbuf {
            n.call(
                "setsockopt",
                format!("SO_RCVBUF, {}", bytes_text(bytes as u64)),
                Ends::NONE,
                sock.set_recv_buffer_size(bytes),
            )
            .map_err(sockopt)?;
        }
        let rcvbuf_bytes = sock.recv_buffer_size().ok().map(|b| b as u64);
        if let Some(got) = rcvbuf_bytes {
            n.explain(t!("exp-rcvbuf", bytes = bytes_text(got)));
        }
        if cfg.proto == Proto::Tcp {
            n.call(
                "setsockopt",
                "SO_REUSEADDR, 1",
                Ends::NONE,
                sock.set_reuse_address(true),
            )
            .map_err(sockopt)?;
        }
        n.call("bind", cfg.bind, Ends::NONE, sock.bind(&cfg.bind.into()))
            .map_err(|error| NetError::Bind {
                addr: cfg.bind,
                error,
            })?;
        let local = sock
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .unwrap_or(cfg.bind);
        if cfg.proto == Proto::Tcp {
            n.call("listen", "backlog=1", Ends::local(local), sock.listen(1))
                .map_err(|error| NetError::Listen { addr: local, error })?;
        }
        let rcvbuf_errors_before = match cfg.proto {
            Proto::Udp => kernel::udp_rcvbuf_errors(&local).ok(),
            Proto::Tcp => None,
        };
        Ok(Receiver {
            cfg,
            sock,
            local,
            n,
            rcvbuf_bytes,
            rcvbuf_errors_before,
        })
    }

    /// The address the sender should send to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Receive until the sender is done, and report.
    pub fn run(self, c: &Controls) -> Result<Received, ExperimentError> {
        match self.cfg.proto {
            Proto::Tcp => self.run_tcp(c),
            Proto::Udp => self.run_udp(c),
        }
    }

    fn run_udp(self, c: &Controls) -> Result<Received, ExperimentError> {
        let Receiver {
            cfg,
            sock,
            local,
            n,
            rcvbuf_bytes,
            rcvbuf_errors_before,
        } = self;
        let sock = UdpSocket::from(sock);
        let transfer = |error| NetError::Transfer {
            call: "recvfrom",
            peer: local,
            error,
        };
        sock.set_read_timeout(Some(POLL)).map_err(transfer)?;
        let mut tally = Tally::new(cfg.messages);
        let mut buf = vec![0u8; DATAGRAM_BUFFER];
        let mut report = Received {
            rcvbuf_bytes,
            ..Received::default()
        };
        let mut calls = 0u64;
        let mut last_datagram = Instant::now();
        let mut done_since: Option<Instant> = None;
        let mut end_seen: Option<Instant> = None;
        let call = n.enter("recvfrom", "", Ends::local(local));
        loop {
            match sock.recv_from(&mut buf) {
                Ok((len, _from)) => {
                    let recv_ns = message::now_ns();
                    calls += 1;
                    last_datagram = Instant::now();
                    match Header::read(&buf[..len]) {
                        Some(h) if h.kind == Kind::Data && len == cfg.size => {
                            tally.record(h.seq, h.sent_ns, recv_ns);
                            c.received.store(tally.delivered(), Ordering::Relaxed);
                            if !cfg.recv_delay.is_zero() {
                                thread::sleep(cfg.recv_delay);
                            }
                        }
                        Some(h) if h.kind == Kind::End => {
                            report.end_marker = true;
                            report.end_markers += 1;
                            end_seen.get_or_insert_with(Instant::now);
                        }
                        Some(h) if h.kind == Kind::Warmup => report.warmups += 1,
                        _ => report.malformed += 1,
                    }
                }
                Err(e) if is_timeout(&e) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(transfer(error).into()),
            }
            if c.aborted() {
                break;
            }
            if c.sender_done.load(Ordering::Relaxed) {
                done_since.get_or_insert_with(Instant::now);
            }
            let quiet_for = last_datagram.elapsed();
            if end_seen.is_some() && quiet_for >= END_GRACE {
                break;
            }
            if let Some(done) = done_since {
                if quiet_for >= cfg.idle_timeout && done.elapsed() >= cfg.idle_timeout {
                    break;
                }
            }
            if quiet_for >= MAX_SILENCE {
                break;
            }
        }
        n.done_repeated(
            call,
            calls,
            Ends::local(local),
            t!("exp-received-messages", n = tally.delivered()),
        );
        if !report.end_marker {
            n.explain(t!(
                "exp-no-end-marker",
                waited = super::duration_in(crate::i18n::lang(), cfg.idle_timeout)
            ));
        }
        report.socket_drops = kernel::udp_socket_drops(sock.as_raw_fd(), &local).ok();
        report.rcvbuf_errors = match (rcvbuf_errors_before, kernel::udp_rcvbuf_errors(&local)) {
            (Some(before), Ok(after)) => Some(after.saturating_sub(before)),
            _ => None,
        };
        n.call("close", "", Ends::local(local), Ok(()))?;
        drop(sock);
        report.summary = tally.summary();
        Ok(report)
    }

    fn run_tcp(self, c: &Controls) -> Result<Received, ExperimentError> {
        let Receiver {
            cfg,
            sock,
            local,
            n,
            rcvbuf_bytes,
            ..
        } = self;
        // accept(), waking up now and then to see whether to give up.
        sock.set_nonblocking(true)
            .map_err(|error| NetError::Listen { addr: local, error })?;
        let call = n.enter("accept", "", Ends::local(local));
        let waiting = Instant::now();
        let conn = loop {
            match sock.accept() {
                Ok((conn, _)) => break conn,
                Err(e)
                    if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted =>
                {
                    if c.aborted() || c.sender_done.load(Ordering::Relaxed) {
                        n.failed(call, &io::Error::from(ErrorKind::TimedOut));
                        return Err(ExperimentError::NoSender {
                            waited: waiting.elapsed(),
                        });
                    }
                    if waiting.elapsed() >= ACCEPT_TIMEOUT {
                        n.failed(call, &io::Error::from(ErrorKind::TimedOut));
                        return Err(ExperimentError::NoSender {
                            waited: ACCEPT_TIMEOUT,
                        });
                    }
                    let _ = crate::sys::poll_readable(&[sock.as_raw_fd()], POLL);
                }
                Err(error) => {
                    n.failed(call, &error);
                    return Err(NetError::Listen { addr: local, error }.into());
                }
            }
        };
        let ends = Ends::of(&conn);
        n.done(
            call,
            ends,
            t!(
                "exp-new-socket",
                peer = ends.peer.map_or_else(|| "?".into(), |p| p.to_string())
            ),
        );
        drop(sock);
        let peer = ends.peer.unwrap_or(local);
        let transfer = |error| NetError::Transfer {
            call: "recv",
            peer,
            error,
        };
        conn.set_nonblocking(false).map_err(transfer)?;
        let mut stream = TcpStream::from(conn);
        stream.set_read_timeout(Some(POLL)).map_err(transfer)?;

        // TCP is a byte stream: one recv() may return part of a message, or
        // several. Messages all have --size bytes, so we read until one is
        // complete (framing by length).
        let mut tally = Tally::new(cfg.messages);
        let mut frame = vec![0u8; cfg.size];
        let mut filled = 0usize;
        let mut calls = 0u64;
        let mut report = Received {
            rcvbuf_bytes,
            ..Received::default()
        };
        let call = n.enter("recv", format!("{} bytes", cfg.size), ends);
        loop {
            match stream.read(&mut frame[filled..]) {
                Ok(0) => break,
                Ok(got) => {
                    calls += 1;
                    filled += got;
                    if filled < cfg.size {
                        continue;
                    }
                    filled = 0;
                    let recv_ns = message::now_ns();
                    match Header::read(&frame) {
                        Some(h) if h.kind == Kind::Data => {
                            tally.record(h.seq, h.sent_ns, recv_ns);
                            c.received.store(tally.delivered(), Ordering::Relaxed);
                        }
                        _ => report.malformed += 1,
                    }
                    if !cfg.recv_delay.is_zero() {
                        thread::sleep(cfg.recv_delay);
                    }
                }
                Err(e) if is_timeout(&e) || e.kind() == ErrorKind::Interrupted => {
                    if c.aborted() {
                        break;
                    }
                }
                Err(error) => {
                    n.failed(call, &error);
                    return Err(transfer(error).into());
                }
            }
        }
        if filled > 0 {
            // The stream ended in the middle of a message.
            report.malformed += 1;
        }
        n.done_repeated(
            call,
            calls,
            ends,
            t!("exp-received-fin", n = tally.delivered()),
        );
        n.call("close", "", ends, Ok(()))?;
        drop(stream);
        report.summary = tally.summary();
        Ok(report)
    }
}

/// A size for people, `1.9 MiB`, with the decimal separator of the
/// process's language (`1,9 MiB`).
fn bytes_text(bytes: u64) -> String {
    let text = human_bytes(bytes);
    match crate::i18n::lang().decimal_separator() {
        '.' => text,
        sep => text.replace('.', &sep.to_string()),
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

// ---- reports as JSON (the lossy scenario's processes send them back) ------

fn opt_u64(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

fn opt_f64(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

impl Sent {
    /// As a JSON object.
    pub fn to_json(&self) -> Value {
        json!({
            "sent": self.sent,
            "first_send_ns": self.first_send_ns,
            "last_send_ns": self.last_send_ns,
            "retransmissions": self.retransmissions,
            "spurious_retransmissions": self.spurious_retransmissions,
            "send_retries": self.send_retries,
            "connect_ms": self.connect_ms,
        })
    }

    /// From [`Sent::to_json`]'s object.
    pub fn from_json(v: &Value) -> Option<Sent> {
        Some(Sent {
            sent: opt_u64(v, "sent")?,
            first_send_ns: opt_u64(v, "first_send_ns"),
            last_send_ns: opt_u64(v, "last_send_ns"),
            retransmissions: opt_u64(v, "retransmissions"),
            spurious_retransmissions: opt_u64(v, "spurious_retransmissions"),
            send_retries: opt_u64(v, "send_retries").unwrap_or(0),
            connect_ms: opt_f64(v, "connect_ms"),
        })
    }
}

impl Received {
    /// As a JSON object.
    pub fn to_json(&self) -> Value {
        let s = &self.summary;
        json!({
            "delivered": s.delivered,
            "duplicated": s.duplicated,
            "reordered": s.reordered,
            "out_of_range": s.out_of_range,
            "first_recv_ns": s.first_recv_ns,
            "last_recv_ns": s.last_recv_ns,
            "p50_ms": s.p50_ms,
            "p99_ms": s.p99_ms,
            "rcvbuf_bytes": self.rcvbuf_bytes,
            "rcvbuf_errors": self.rcvbuf_errors,
            "socket_drops": self.socket_drops,
            "end_marker": self.end_marker,
            "end_markers": self.end_markers,
            "warmups": self.warmups,
            "malformed": self.malformed,
        })
    }

    /// From [`Received::to_json`]'s object.
    pub fn from_json(v: &Value) -> Option<Received> {
        Some(Received {
            summary: Summary {
                delivered: opt_u64(v, "delivered")?,
                duplicated: opt_u64(v, "duplicated")?,
                reordered: opt_u64(v, "reordered")?,
                out_of_range: opt_u64(v, "out_of_range").unwrap_or(0),
                first_recv_ns: opt_u64(v, "first_recv_ns"),
                last_recv_ns: opt_u64(v, "last_recv_ns"),
                p50_ms: opt_f64(v, "p50_ms"),
                p99_ms: opt_f64(v, "p99_ms"),
            },
            rcvbuf_bytes: opt_u64(v, "rcvbuf_bytes"),
            rcvbuf_errors: opt_u64(v, "rcvbuf_errors"),
            socket_drops: opt_u64(v, "socket_drops"),
            end_marker: v
                .get("end_marker")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            end_markers: opt_u64(v, "end_markers").unwrap_or(0),
            warmups: opt_u64(v, "warmups").unwrap_or(0),
            malformed: opt_u64(v, "malformed").unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_survive_the_trip_through_json() {
        let sent = Sent {
            sent: 10,
            first_send_ns: Some(1),
            last_send_ns: Some(2),
            retransmissions: Some(3),
            spurious_retransmissions: Some(1),
            send_retries: 0,
            connect_ms: Some(0.125),
        };
        assert_eq!(Sent::from_json(&sent.to_json()), Some(sent));
        let received = Received {
            summary: Summary {
                delivered: 9,
                duplicated: 1,
                reordered: 2,
                out_of_range: 0,
                first_recv_ns: Some(5),
                last_recv_ns: Some(6),
                p50_ms: Some(0.25),
                p99_ms: Some(1.5),
            },
            rcvbuf_bytes: Some(425_984),
            rcvbuf_errors: Some(1),
            socket_drops: Some(1),
            end_marker: true,
            end_markers: 4,
            warmups: 3,
            malformed: 0,
        };
        assert_eq!(Received::from_json(&received.to_json()), Some(received));
        assert_eq!(Received::from_json(&json!({"sent": 1})), None);
    }

    fn udp_receiver(messages: u64) -> Receiver {
        let quiet = Narrator::with_emitter(
            "test",
            true,
            false,
            crate::events::Emitter::disabled("test"),
        );
        Receiver::bind(
            ReceiverConfig {
                proto: Proto::Udp,
                bind: "127.0.0.1:0".parse().unwrap(),
                messages,
                size: 100,
                recv_delay: Duration::ZERO,
                rcvbuf: None,
                idle_timeout: Duration::from_millis(200),
            },
            quiet,
        )
        .unwrap()
    }

    #[test]
    fn lost_end_markers_do_not_hang_the_udp_receiver() {
        // The sender is done and nothing ever arrives (all lost): the
        // receiver stops after its idle timeout.
        let r = udp_receiver(10);
        let c = Controls::default();
        c.sender_done.store(true, Ordering::Relaxed);
        let started = Instant::now();
        let got = r.run(&c).unwrap();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(got.summary.delivered, 0);
        assert!(!got.end_marker);
    }

    #[test]
    fn the_udp_receiver_counts_messages_and_stops_at_the_end_marker() {
        let r = udp_receiver(3);
        let to = r.local_addr();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut buf = message::buffer(100);
        for (kind, seq) in [
            (Kind::Data, 0),
            (Kind::Data, 2),
            (Kind::Data, 2),
            (Kind::End, 3),
        ] {
            Header {
                kind,
                seq,
                sent_ns: message::now_ns(),
            }
            .write(&mut buf);
            tx.send_to(&buf, to).unwrap();
        }
        // sender_done is never set: only the end marker can stop it early.
        let got = r.run(&Controls::default()).unwrap();
        assert!(got.end_marker);
        assert_eq!(got.end_markers, 1);
        assert_eq!(got.summary.delivered, 2);
        assert_eq!(got.summary.duplicated, 1);
    }

    #[test]
    fn unpaced_sender_never_waits() {
        let p = Pacer::new(None);
        let t = Instant::now();
        p.wait_for(1_000_000);
        assert!(t.elapsed() < Duration::from_secs(1));
    }
}
