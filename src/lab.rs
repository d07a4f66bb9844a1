//! The narrated socket of the lab programs: one method per C call.
//!
//! A lab program reads like the classic listing, because each call is one
//! method named after it:
//!
//! ```no_run
//! use socklab::lab::{self, Recv, SOCK_STREAM};
//! # fn demo(addr: std::net::SocketAddr) -> Result<(), socklab::net::NetError> {
//! let listener = lab::socket(addr, SOCK_STREAM)?; // socket(AF_INET, SOCK_STREAM) -> ok
//! listener.setsockopt_reuseaddr()?;               // setsockopt(SO_REUSEADDR, 1) -> ok
//! listener.bind(addr)?;                           // bind(127.0.0.1:5000) -> ok
//! listener.listen(5)?;                            // listen(backlog=5) -> ok
//! let conn = listener.accept()?.new_socket();     // accept() -> new socket for 127.0.0.1:53312
//! let mut buf = [0u8; 1024];
//! match conn.recv(&mut buf)? {
//!     Recv::Data(bytes) => conn.send_all(bytes)?, // recv() -> 6 bytes "hello\n"
//!     Recv::Closed => {}                          // recv() -> 0 bytes: peer closed its side (FIN received)
//!     Recv::TimedOut | Recv::Reset => {}
//! }
//! conn.close();                                   // close()
//! # Ok(()) }
//! ```
//!
//! Each method makes its call, prints its narration line (through the
//! process's [`Narrator`], set once with [`start`]), sends the matching
//! events to `capture` (an `enter` just before a call that may wait or
//! send, a `return` after it), turns an error into a [`NetError`] that says
//! what to do, and returns the outcomes a program expects as values
//! ([`Recv::Closed`], [`Recv::TimedOut`], [`Recv::Reset`],
//! [`RecvFrom::TimedOut`], [`Datagram::Refused`]...).
//!
//! Besides the sockets: [`resolve`] (getaddrinfo), the words around the
//! calls ([`explain`], [`output`], [`warn`]...), a thread's tag
//! ([`tag_thread`]: `[client 3] `), and [`Lines`], which reads lines from a
//! TCP socket.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt::Display;
use std::io::{self, BufRead, ErrorKind, IsTerminal, Read, StdoutLock};
use std::net::{Ipv4Addr, Shutdown, SocketAddr};
use std::ops::Deref;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use socket2::{Domain, SockRef, Type};

use crate::events::{self, Outcome};
use crate::i18n;
use crate::narrate::{Call, Ends, Narrator, Said, Words};
use crate::net::{self, End, LineFramer, NetError, Next, Transport};

// ---- the narrator ---------------------------------------------------------

/// The process's narrator; `None` until [`start`] (then a default one).
static NARRATOR: RwLock<Option<Narrator>> = RwLock::new(None);

thread_local! {
    /// This thread's tag, printed before each of its lines.
    static TAG: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Narrate this process's calls with `narrator` (once, at the start).
pub fn start(narrator: Narrator) {
    if let Ok(mut slot) = NARRATOR.write() {
        *slot = Some(narrator);
    }
}

/// The narrator of this thread: the process's, with the thread's tag.
pub fn narrator() -> Narrator {
    let set = NARRATOR.read().ok().and_then(|slot| slot.clone());
    let n = set.unwrap_or_else(|| {
        // Nobody called start(): narrate under the program's own name.
        let prog = std::env::args()
            .next()
            .and_then(|arg0| arg0.rsplit('/').next().map(str::to_string))
            .unwrap_or_else(|| "socklab".into());
        let n = Narrator::new(&prog, false, false);
        start(n.clone());
        n
    });
    TAG.with(|tag| match &*tag.borrow() {
        Some(tag) => n.tagged(tag),
        None => n,
    })
}

/// From now on, every line this thread narrates starts with `[tag] `
/// (`[client 3] `: one thread per client); `None` takes the tag away.
pub fn tag_thread(tag: Option<String>) {
    TAG.with(|slot| *slot.borrow_mut() = tag);
}

/// Run `work` in a new thread named `tag`, whose lines start with `[tag] `
/// (one thread per client). If no thread can be started, say so: `work`,
/// and the socket it holds, is dropped, which closes it.
pub fn spawn_tagged(tag: String, work: impl FnOnce() + Send + 'static) {
    let name = tag.clone();
    let spawned = std::thread::Builder::new()
        .name(tag.clone())
        .spawn(move || {
            tag_thread(Some(tag));
            work();
        });
    if let Err(error) = spawned {
        warn(crate::t!(
            "lab-no-thread",
            name = name,
            error = net::os_text(&error)
        ));
    }
}

/// Why something happened: a dimmed, indented line under the call.
pub fn explain(text: impl Display) {
    narrator().explain(text);
}

/// A narration line that is not a call.
pub fn say(text: impl Display) {
    narrator().say(text);
}

/// The program's real output (replies, messages, reports): printed even with `--quiet`.
pub fn output(text: impl Display) {
    narrator().output(text);
}

/// A problem the program survives, on stderr: `prog: warning: text`.
pub fn warn(text: impl Display) {
    narrator().warn(text);
}

/// `bytes` escaped and cut for a narration line, in quotes.
pub fn quote(bytes: &[u8]) -> String {
    narrator().quote(bytes)
}

/// Run `print` with stdout held: no other thread's line comes between the
/// lines it prints (or between a call and what it causes in another thread).
pub fn together<T>(print: impl FnOnce() -> T) -> T {
    let _held = hold();
    print()
}

/// Hold stdout until the guard is dropped: this thread's lines go out as
/// usual, another thread's wait (a chat's two threads print at once).
pub fn hold() -> StdoutLock<'static> {
    io::stdout().lock()
}

/// getaddrinfo(): `host` and `port` as addresses, narrated.
pub fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, NetError> {
    narrator().resolve(host, port)
}

/// What a program does with the one address it uses ([`first_address`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressUse {
    /// A server listens on it.
    ListenOn,
    /// A client sends to it.
    SendTo,
}

impl AddressUse {
    /// `2 addresses found: listening on the first, 127.0.0.1:5000`, in `lang`.
    pub fn found_in(self, lang: i18n::Lang, n: usize, first: SocketAddr) -> String {
        let id = match self {
            AddressUse::ListenOn => "lab-addresses-listen",
            AddressUse::SendTo => "lab-addresses-send",
        };
        i18n::tr_in(
            lang,
            id,
            &[("n", n.into()), ("first", first.to_string().into())],
        )
    }
}

/// getaddrinfo() for a program that uses one address: the first, saying so
/// when there were several (`2 addresses found: listening on the first, ...`).
pub fn first_address(host: &str, port: u16, doing: AddressUse) -> Result<SocketAddr, NetError> {
    let addrs = resolve(host, port)?;
    let first = addrs[0];
    if addrs.len() > 1 {
        explain(doing.found_in(i18n::lang(), addrs.len(), first));
    }
    Ok(first)
}

/// The lines to send: each `--message`, or else each line of stdin until its
/// end (a `\r` before the `\n` dropped). `hint` is shown when a person types.
pub fn messages<'a>(
    given: &'a [String],
    hint: &str,
) -> Box<dyn Iterator<Item = io::Result<Vec<u8>>> + 'a> {
    if !given.is_empty() {
        return Box::new(given.iter().map(|m| Ok(m.clone().into_bytes())));
    }
    if io::stdin().is_terminal() {
        explain(hint);
    }
    Box::new(io::stdin().lock().split(b'\n').map(|line| {
        line.map(|mut line| {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            line
        })
    }))
}

// ---- socket() -------------------------------------------------------------

/// `SOCK_STREAM`: a TCP socket, a connection carrying a byte stream.
pub const SOCK_STREAM: Stream = Stream;
/// `SOCK_DGRAM`: a UDP socket, separate datagrams.
pub const SOCK_DGRAM: Dgram = Dgram;

/// The type of [`SOCK_STREAM`].
#[derive(Clone, Copy, Debug)]
pub struct Stream;
/// The type of [`SOCK_DGRAM`].
#[derive(Clone, Copy, Debug)]
pub struct Dgram;

/// A socket type [`socket`] can make: [`SOCK_STREAM`] or [`SOCK_DGRAM`].
pub trait Kind {
    /// The socket it makes.
    type Socket;
    /// Its C name, as narrated.
    const NAME: &'static str;
    /// Its socket2 type.
    const TYPE: Type;
    /// Wrap a fresh socket.
    fn wrap(sock: socket2::Socket) -> Self::Socket;
}

impl Kind for Stream {
    type Socket = TcpSocket;
    const NAME: &'static str = "SOCK_STREAM";
    const TYPE: Type = Type::STREAM;
    fn wrap(sock: socket2::Socket) -> TcpSocket {
        TcpSocket(Socket::new(sock, Transport::Tcp))
    }
}

impl Kind for Dgram {
    type Socket = UdpSocket;
    const NAME: &'static str = "SOCK_DGRAM";
    const TYPE: Type = Type::DGRAM;
    fn wrap(sock: socket2::Socket) -> UdpSocket {
        UdpSocket(Socket::new(std::net::UdpSocket::from(sock), Transport::Udp))
    }
}

/// socket(): a new endpoint of the family of `addr` (AF_INET or AF_INET6)
/// and of type `kind`. Nothing goes on the wire.
pub fn socket<K: Kind>(addr: SocketAddr, kind: K) -> Result<K::Socket, NetError> {
    let _ = kind;
    let what = format!("{}, {}", net::family_name(&addr), K::NAME);
    let made = socket2::Socket::new(Domain::for_address(addr), K::TYPE, None);
    let sock = narrator()
        .call("socket", &what, Ends::NONE, made)
        .map_err(|error| NetError::Socket { what, error })?;
    Ok(K::wrap(sock))
}

// ---- what every socket does -----------------------------------------------

/// What TCP and UDP sockets share; [`TcpSocket`] and [`UdpSocket`] add
/// their own calls.
#[derive(Debug)]
pub struct Socket<S> {
    inner: S,
    /// Our end and the peer's as far as known: what the events carry.
    ends: Mutex<Ends>,
    /// bind() was called. A socket that was not (a UDP client) calls the
    /// address it sends to its peer.
    bound: AtomicBool,
    /// shutdown(SHUT_RD) was called: a recv() of 0 bytes is our own doing.
    read_shut: AtomicBool,
    /// Where the last sendto() went: the server a UDP client waits for.
    sent_to: Mutex<Option<SocketAddr>>,
    /// TCP or UDP: what an error came from on the wire.
    transport: Transport,
}

/// Any address, port 0: the peer of a socket that has none, in messages.
const NO_ADDRESS: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);

impl<S: AsFd> Socket<S> {
    fn new(inner: S, transport: Transport) -> Socket<S> {
        Socket {
            inner,
            transport,
            ends: Mutex::new(Ends::NONE),
            bound: AtomicBool::new(false),
            read_shut: AtomicBool::new(false),
            sent_to: Mutex::new(None),
        }
    }

    fn sock(&self) -> SockRef<'_> {
        SockRef::from(&self.inner)
    }

    /// The two ends as known now.
    pub fn ends(&self) -> Ends {
        *self.ends.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_ends(&self, ends: Ends) {
        *self.ends.lock().unwrap_or_else(|e| e.into_inner()) = ends;
    }

    /// Our address as the kernel has it, once it has a port.
    fn kernel_local(&self) -> Option<SocketAddr> {
        let local = self.sock().local_addr().ok()?.as_socket()?;
        (local.port() != 0).then_some(local)
    }

    /// getsockname(): our address (after bind(), connect() or a first
    /// sendto(); before, any address with port 0).
    pub fn getsockname(&self) -> SocketAddr {
        self.ends()
            .local
            .or_else(|| self.kernel_local())
            .unwrap_or(NO_ADDRESS)
    }

    /// The peer's address, if the socket has one.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.ends().peer
    }

    fn transfer(&self, call: &'static str, error: io::Error) -> NetError {
        let peer = self.peer().unwrap_or(NO_ADDRESS);
        NetError::Transfer { call, peer, error }
    }

    /// The error for a [`Recv::Reset`] that ends the program: `recv with
    /// PEER: connection reset by peer (RST received): ...`.
    pub fn reset_error(&self, call: &'static str) -> NetError {
        self.transfer(call, io::Error::from(ErrorKind::ConnectionReset))
    }

    fn setsockopt(
        &self,
        option: &'static str,
        args: String,
        result: io::Result<()>,
    ) -> Result<(), NetError> {
        narrator()
            .call("setsockopt", args, self.ends(), result)
            .map_err(|error| NetError::SetOption { option, error })
    }

    /// setsockopt(SO_REUSEADDR, 1): bind() may take a port that closed
    /// connections still hold in TIME-WAIT.
    pub fn setsockopt_reuseaddr(&self) -> Result<(), NetError> {
        let set = self.sock().set_reuse_address(true);
        self.setsockopt("SO_REUSEADDR", "SO_REUSEADDR, 1".into(), set)
    }

    /// setsockopt(SO_RCVTIMEO): a recv() or recvfrom() that waits longer
    /// than `timeout` returns [`Recv::TimedOut`] (or [`RecvFrom::TimedOut`]).
    pub fn setsockopt_rcvtimeo(&self, timeout: Duration) -> Result<(), NetError> {
        let set = self.sock().set_read_timeout(Some(timeout));
        self.setsockopt("SO_RCVTIMEO", format!("SO_RCVTIMEO, {timeout:?}"), set)
    }

    /// setsockopt(SO_LINGER, on, 0 s): close() will drop what is not sent
    /// yet and send an RST instead of a FIN.
    pub fn setsockopt_linger_zero(&self) -> Result<(), NetError> {
        let set = self.sock().set_linger(Some(Duration::ZERO));
        self.setsockopt("SO_LINGER", "SO_LINGER, on, 0 s".into(), set)
    }

    /// bind(): claim `addr` (port 0: any free port; [`Socket::getsockname`] says which).
    pub fn bind(&self, addr: SocketAddr) -> Result<(), NetError> {
        let bound = self.sock().bind(&addr.into());
        narrator()
            .call("bind", addr, Ends::local(addr), bound)
            .map_err(|error| NetError::Bind { addr, error })?;
        self.bound.store(true, Ordering::SeqCst);
        let local = self.kernel_local().unwrap_or(addr);
        self.set_ends(Ends {
            local: Some(local),
            ..self.ends()
        });
        Ok(())
    }

    /// connect(): on TCP the three-way handshake; on UDP only a note of the
    /// peer's address in the kernel (nothing on the wire).
    pub fn connect(&self, addr: SocketAddr) -> Result<(), NetError> {
        let n = narrator();
        let before = Ends {
            local: self.ends().local,
            peer: Some(addr),
        };
        let call = n.enter("connect", addr, before);
        match self.sock().connect(&addr.into()) {
            Ok(()) => {
                let ends = Ends::of(&self.sock());
                self.set_ends(ends);
                n.done(call, ends, "ok");
                Ok(())
            }
            Err(error) => {
                n.failed_on(call, self.transport, &error);
                self.set_ends(before);
                Err(NetError::Connect { addr, error })
            }
        }
    }

    /// shutdown(): end one direction (`SHUT_WR`: our FIN) or both.
    pub fn shutdown(&self, how: Shutdown) -> Result<(), NetError> {
        let name = match how {
            Shutdown::Write => "SHUT_WR",
            Shutdown::Read => "SHUT_RD",
            Shutdown::Both => "SHUT_RDWR",
        };
        if how != Shutdown::Write {
            // Before the call: the recv() it wakes must already know why.
            self.read_shut.store(true, Ordering::SeqCst);
        }
        let (n, ends) = (narrator(), self.ends());
        let call = n.enter("shutdown", name, ends);
        n.finish(call, ends, self.sock().shutdown(how))
            .map_err(|error| self.transfer("shutdown", error))
    }

    fn close_inner(self) {
        let (n, ends) = (narrator(), self.ends());
        let call = n.enter("close", "", ends);
        drop(self.inner);
        n.done(call, ends, "");
    }

    /// What a recv() of 0 bytes means here.
    fn zero_bytes(&self) -> Outcome {
        Outcome::End(self.zero_end())
    }

    fn zero_end(&self) -> events::End {
        if self.read_shut.load(Ordering::SeqCst) {
            events::End::ReadShut
        } else {
            events::End::PeerClosed
        }
    }
}

/// A recv() timed out (SO_RCVTIMEO): the error's kind.
fn timed_out(error: &io::Error) -> bool {
    matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// What the TCP and the UDP socket both do, for code that takes either
/// (the chat's conversation). Each is also a method of the socket itself.
pub trait Endpoint {
    /// The peer's address, once connect() or accept() has given one.
    fn peer(&self) -> Option<SocketAddr>;
    /// shutdown(): see [`Socket::shutdown`].
    fn shutdown(&self, how: Shutdown) -> Result<(), NetError>;
    /// close(): see [`TcpSocket::close`] and [`UdpSocket::close`].
    fn close(self);
}

/// `impl Endpoint` for a socket type: its own methods.
macro_rules! endpoint {
    ($socket:ident) => {
        impl Endpoint for $socket {
            fn peer(&self) -> Option<SocketAddr> {
                self.0.peer()
            }
            fn shutdown(&self, how: Shutdown) -> Result<(), NetError> {
                self.0.shutdown(how)
            }
            fn close(self) {
                $socket::close(self);
            }
        }
    };
}

// ---- TCP --------------------------------------------------------------------

/// A TCP socket (`SOCK_STREAM`): listening, or one end of a connection.
#[derive(Debug)]
pub struct TcpSocket(Socket<socket2::Socket>);

impl Deref for TcpSocket {
    type Target = Socket<socket2::Socket>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.0.inner.as_raw_fd()
    }
}

/// What recv() on a TCP socket returned.
#[derive(Debug, PartialEq, Eq)]
pub enum Recv<'a> {
    /// The bytes that have arrived, at most the buffer's size.
    Data(&'a [u8]),
    /// 0 bytes: the end of the stream. The peer sent its FIN (or we
    /// stopped reading with shutdown(SHUT_RD)); nothing more will come.
    Closed,
    /// Nothing arrived within SO_RCVTIMEO.
    TimedOut,
    /// The peer aborted the connection: an RST arrived (ECONNRESET).
    Reset,
}

/// What a `recv_held()` returned, with stdout still held until this is
/// dropped: what this thread prints about it comes before any other
/// thread's next line.
#[derive(Debug)]
pub struct Held<T> {
    /// What the call returned.
    pub got: T,
    /// Whether the line of the data that arrived was printed.
    pub shown: bool,
    _stdout: StdoutLock<'static>,
}

impl<T> Held<T> {
    fn new(got: T, stdout: StdoutLock<'static>) -> Held<T> {
        Held {
            got,
            shown: true,
            _stdout: stdout,
        }
    }
}

/// A connection accept() has returned, whose narration line waits for the
/// program to say what it makes of it ([`Accepted::returned`]).
#[must_use = "narrate accept()'s return and take the socket"]
#[derive(Debug)]
pub struct Accepted {
    conn: TcpSocket,
    call: Call,
    /// The client's address and port.
    pub peer: SocketAddr,
}

impl Accepted {
    /// Narrate `accept() -> {what}` and take the new socket.
    pub fn returned(self, what: impl Words) -> TcpSocket {
        narrator().done(self.call, self.conn.ends(), what);
        self.conn
    }

    /// The usual line, `accept() -> new socket for 127.0.0.1:53312`.
    pub fn new_socket(self) -> TcpSocket {
        let what = Outcome::NewSocket { peer: self.peer };
        self.returned(what)
    }
}

/// How a loop of calls narrated as one line ended ([`TcpSocket::recv_bulk`]).
#[derive(Debug)]
pub struct Bulk {
    /// Bytes received in all.
    pub bytes: u64,
    /// `Ok` if the last call returned 0 bytes (the peer's FIN).
    pub ended: Result<(), NetError>,
}

impl TcpSocket {
    /// listen(): make it a listening socket; the kernel queues up to
    /// `backlog` finished handshakes for accept().
    pub fn listen(&self, backlog: i32) -> Result<(), NetError> {
        let local = self.getsockname();
        narrator()
            .call(
                "listen",
                format!("backlog={backlog}"),
                Ends::local(local),
                self.sock().listen(backlog),
            )
            .map_err(|error| NetError::Listen { addr: local, error })
    }

    /// accept(): wait for a finished handshake; a NEW socket for that client.
    pub fn accept(&self) -> Result<Accepted, NetError> {
        let (n, ends) = (narrator(), self.ends());
        loop {
            let call = n.enter("accept", "", ends);
            match self.inner.accept() {
                Ok((inner, peer)) => {
                    let conn = Socket::new(inner, Transport::Tcp);
                    conn.set_ends(Ends::of(&conn.inner));
                    let peer = peer.as_socket().unwrap_or(NO_ADDRESS);
                    return Ok(Accepted {
                        conn: TcpSocket(conn),
                        call,
                        peer,
                    });
                }
                Err(error) => {
                    n.failed_on(call, self.transport, &error);
                    if error.kind() != ErrorKind::Interrupted {
                        let addr = self.getsockname();
                        return Err(NetError::Accept { addr, error });
                    }
                }
            }
        }
    }

    /// recv(): wait for bytes and take what has arrived.
    pub fn recv<'b>(&self, buf: &'b mut [u8]) -> Result<Recv<'b>, NetError> {
        self.recv_held(buf, || true).map(|held| held.got)
    }

    /// [`TcpSocket::recv`] for a program whose threads print at once (the
    /// chat): stdout is held from the moment the call returns until the
    /// [`Held`] is dropped, so that its line and what the program prints
    /// about it come together; the line of data that arrived is printed
    /// only if `show()`, asked then, says so (the events go out either way).
    pub fn recv_held<'b>(
        &self,
        buf: &'b mut [u8],
        show: impl FnOnce() -> bool,
    ) -> Result<Held<Recv<'b>>, NetError> {
        let (n, ends) = (narrator(), self.ends());
        let (got, shown, stdout) = loop {
            let call = n.enter("recv", "", ends);
            let read = (&self.inner).read(buf);
            let stdout = hold();
            match read {
                Ok(0) => {
                    n.done(call, ends, self.zero_bytes());
                    return Ok(Held::new(Recv::Closed, stdout));
                }
                Ok(got) => {
                    let shown = show();
                    let n = if shown { n } else { n.silenced() };
                    n.done_data(call, ends, byte_count(got as u64), &buf[..got]);
                    break (got, shown, stdout);
                }
                Err(error) => {
                    n.failed_on(call, self.transport, &error);
                    match error.kind() {
                        ErrorKind::Interrupted => continue,
                        ErrorKind::ConnectionReset => return Ok(Held::new(Recv::Reset, stdout)),
                        _ if timed_out(&error) => return Ok(Held::new(Recv::TimedOut, stdout)),
                        _ => return Err(self.transfer("recv", error)),
                    }
                }
            }
        };
        let got = Recv::Data(&buf[..got]);
        Ok(Held {
            shown,
            ..Held::new(got, stdout)
        })
    }

    /// send(): offer `bytes`; returns how many the kernel took (it may take
    /// fewer when the socket's send buffer is full).
    pub fn send(&self, bytes: &[u8]) -> Result<usize, NetError> {
        let (n, ends) = (narrator(), self.ends());
        let call = n.enter("send", n.quote(bytes), ends);
        match self.sock().send(bytes) {
            Ok(sent) => {
                n.done(call, ends, byte_count(sent as u64));
                Ok(sent)
            }
            Err(error) => {
                n.failed_on(call, self.transport, &error);
                Err(self.transfer("send", error))
            }
        }
    }

    /// send() until every byte is gone (the classic `sendall`).
    pub fn send_all(&self, mut bytes: &[u8]) -> Result<(), NetError> {
        while !bytes.is_empty() {
            let sent = self.send(bytes)?;
            bytes = &bytes[sent..];
        }
        Ok(())
    }

    /// send() `chunk` (or its start) until `total` bytes are gone, narrated
    /// as one line, `send(256 KiB buffer) x 4096 calls -> 1073741824 bytes`:
    /// a line per call would slow a bulk transfer to a crawl.
    pub fn send_bulk(&self, chunk: &[u8], total: u64) -> Result<(), NetError> {
        let (n, ends) = (narrator(), self.ends());
        let what = crate::t!(
            "lab-buffer",
            size = crate::narrate::human_bytes(chunk.len() as u64)
        );
        let call = n.enter("send", what, ends);
        let (mut left, mut calls) = (total, 0u64);
        while left > 0 {
            let size = left.min(chunk.len() as u64) as usize;
            match self.sock().send(&chunk[..size]) {
                Ok(sent) => {
                    left -= sent as u64;
                    calls += 1;
                }
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(error) => {
                    let sent = total - left;
                    match Narrator::error_outcome(Some(Transport::Tcp), &error) {
                        Some(events::End::Error(error)) => {
                            let what = Outcome::BytesThenError { n: sent, error };
                            n.done_repeated(call, calls + 1, ends, what);
                        }
                        _ => {
                            let what = Said::new(|lang| {
                                let why = net::describe_on_in(lang, Transport::Tcp, &error);
                                i18n::tr_in(
                                    lang,
                                    "lab-bytes-then-error",
                                    &[("n", sent.into()), ("why", why.into())],
                                )
                            });
                            n.done_repeated(call, calls + 1, ends, what);
                        }
                    }
                    return Err(self.transfer("send", error));
                }
            }
        }
        n.done_repeated(call, calls, ends, byte_count(total));
        Ok(())
    }

    /// recv() into `buf` until 0 bytes (or an error), narrated as one line,
    /// `recv() x 1025 calls -> 67108864 bytes, the last call 0 bytes: ...`.
    pub fn recv_bulk(&self, buf: &mut [u8]) -> Bulk {
        let (n, ends) = (narrator(), self.ends());
        let call = n.enter("recv", "", ends);
        let (mut bytes, mut calls) = (0u64, 0u64);
        let ended = loop {
            calls += 1;
            match (&self.inner).read(buf) {
                Ok(0) => break Ok(()),
                Ok(got) => bytes += got as u64,
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(error) => break Err(error),
            }
        };
        let last = match &ended {
            Ok(()) => Some(self.zero_end()),
            Err(error) => Narrator::error_outcome(Some(Transport::Tcp), error),
        };
        match (last, &ended) {
            (Some(last), _) => {
                let what = Outcome::BytesLastCall { n: bytes, last };
                n.done_repeated(call, calls, ends, what);
            }
            // An error of our own, which only words can tell.
            (None, ended) => {
                let last = match ended {
                    Ok(()) => Said::new(|lang| self.zero_bytes().in_lang(lang)),
                    Err(error) => Narrator::error_words_on(Transport::Tcp, error),
                };
                let what = Said::new(|lang| {
                    let last = last.in_lang(lang).into();
                    i18n::tr_in(
                        lang,
                        "lab-bytes-last-call",
                        &[("n", bytes.into()), ("last", last)],
                    )
                });
                n.done_repeated(call, calls, ends, what);
            }
        }
        Bulk {
            bytes,
            ended: ended.map_err(|error| self.transfer("recv", error)),
        }
    }

    /// close(): give the socket back to the kernel (in Rust: drop it). On a
    /// connection this sends our FIN (an RST after SO_LINGER 0); on a
    /// listening socket, later clients are refused.
    pub fn close(self) {
        self.0.close_inner();
    }
}

endpoint!(TcpSocket);

/// Lines from a TCP socket: recv() as often as needed, cut into lines.
#[derive(Debug)]
pub struct Lines {
    buf: Vec<u8>,
    framer: LineFramer,
    ready: VecDeque<net::Line>,
    ended: Option<End>,
}

/// How many bytes one recv() of [`Lines`] may take.
const LINES_BUFFER: usize = 64 * 1024;

impl Default for Lines {
    fn default() -> Self {
        Lines::new()
    }
}

impl Lines {
    /// Nothing read yet.
    pub fn new() -> Lines {
        Lines {
            buf: vec![0; LINES_BUFFER],
            framer: LineFramer::new(),
            ready: VecDeque::new(),
            ended: None,
        }
    }

    /// The next line, or how the stream ended; `None` if a recv() timed out
    /// first (SO_RCVTIMEO). A reset is an error.
    pub fn next(&mut self, sock: &TcpSocket) -> Result<Option<Next>, NetError> {
        loop {
            if let Some(line) = self.ready.pop_front() {
                return Ok(Some(Next::Line(line)));
            }
            if let Some(end) = self.ended.take() {
                // After the end, the end again, and never a partial line twice.
                self.ended = Some(End::Clean);
                return Ok(Some(Next::End(end)));
            }
            // A line may arrive in pieces: several recv() for one line.
            match sock.recv(&mut self.buf)? {
                Recv::Data(bytes) => self.ready.extend(self.framer.push(bytes)),
                Recv::Closed => self.ended = Some(self.framer.finish()),
                Recv::TimedOut => return Ok(None),
                Recv::Reset => return Err(sock.reset_error("recv")),
            }
        }
    }
}

// ---- UDP --------------------------------------------------------------------

/// A UDP socket (`SOCK_DGRAM`).
#[derive(Debug)]
pub struct UdpSocket(Socket<std::net::UdpSocket>);

impl Deref for UdpSocket {
    type Target = Socket<std::net::UdpSocket>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// What recvfrom() returned.
#[derive(Debug, PartialEq, Eq)]
pub enum RecvFrom<'a> {
    /// One whole datagram, and who sent it.
    Data(&'a [u8], SocketAddr),
    /// Nothing arrived within SO_RCVTIMEO.
    TimedOut,
}

/// What send() on a connected UDP socket did.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent {
    /// The kernel took the datagram, this many bytes.
    Bytes(usize),
    /// An ICMP "port unreachable" about an earlier datagram of ours came
    /// back (ECONNREFUSED): nothing listens on the peer's port.
    Refused,
}

/// What recv() on a connected UDP socket returned.
#[derive(Debug, PartialEq, Eq)]
pub enum Datagram<'a> {
    /// One whole datagram from the peer.
    Data(&'a [u8]),
    /// As [`Sent::Refused`]: the ICMP came back while we waited.
    Refused,
    /// 0 bytes after our own shutdown(SHUT_RD).
    Stopped,
}

/// How ECONNREFUSED on a connected UDP socket is narrated.
fn icmp_refused() -> Outcome {
    Outcome::End(events::End::IcmpRefused)
}

impl UdpSocket {
    /// Our address and `peer`, for the events of a sendto() or recvfrom().
    fn ends_with(&self, peer: Option<SocketAddr>) -> Ends {
        Ends {
            local: self.ends().local.or_else(|| self.kernel_local()),
            peer,
        }
    }

    /// sendto(): one datagram to `to`. It returns when the kernel has
    /// taken it, not when it arrives. A message no datagram can carry is an
    /// error before anything is sent.
    pub fn sendto(&self, bytes: &[u8], to: SocketAddr) -> Result<usize, NetError> {
        net::check_datagram(bytes.len(), &to)?;
        let n = narrator();
        let what = format!("{to}, {}", n.quote(bytes));
        let call = n.enter("sendto", what, self.ends_with(Some(to)));
        let sent = self.inner.send_to(bytes, to);
        // The first sendto() of a socket that never called bind() binds it.
        let ends = self.ends_with(Some(to));
        self.set_ends(Ends {
            local: ends.local,
            ..self.ends()
        });
        *self.sent_to.lock().unwrap_or_else(|e| e.into_inner()) = Some(to);
        match sent {
            Ok(sent) => {
                n.done(call, ends, byte_count(sent as u64));
                Ok(sent)
            }
            Err(error) => {
                n.failed_on(call, self.transport, &error);
                Err(NetError::Transfer {
                    call: "sendto",
                    peer: to,
                    error,
                })
            }
        }
    }

    /// Whom a recvfrom() waits for: the peer; for a socket that never
    /// called bind() (a client), the address its last sendto() went to.
    fn awaited(&self) -> Option<SocketAddr> {
        let sent_to = *self.sent_to.lock().unwrap_or_else(|e| e.into_inner());
        let client = !self.bound.load(Ordering::SeqCst);
        self.peer().or(sent_to.filter(|_| client))
    }

    /// recvfrom(): wait for one datagram, whole, and its sender's address.
    pub fn recvfrom<'b>(&self, buf: &'b mut [u8]) -> Result<RecvFrom<'b>, NetError> {
        let n = narrator();
        let (len, from) = loop {
            let call = n.enter("recvfrom", "", self.ends_with(self.awaited()));
            match self.inner.recv_from(buf) {
                Ok((len, from)) => {
                    let ends = self.ends_with(Some(from));
                    let what = Outcome::BytesFrom {
                        n: len as u64,
                        from,
                    };
                    n.done_data(call, ends, what, &buf[..len]);
                    break (len, from);
                }
                Err(error) => {
                    n.failed_on(call, self.transport, &error);
                    match error.kind() {
                        ErrorKind::Interrupted => continue,
                        _ if timed_out(&error) => return Ok(RecvFrom::TimedOut),
                        _ => {
                            let peer = self.awaited().unwrap_or(NO_ADDRESS);
                            let call = "recvfrom";
                            return Err(NetError::Transfer { call, peer, error });
                        }
                    }
                }
            }
        };
        Ok(RecvFrom::Data(&buf[..len], from))
    }

    /// send() on a connected socket: one datagram to the peer.
    pub fn send(&self, bytes: &[u8]) -> Result<Sent, NetError> {
        let (n, ends) = (narrator(), self.ends());
        let call = n.enter("send", n.quote(bytes), ends);
        match self.inner.send(bytes) {
            Ok(sent) => {
                n.done(call, ends, byte_count(sent as u64));
                Ok(Sent::Bytes(sent))
            }
            Err(error) if error.kind() == ErrorKind::ConnectionRefused => {
                n.done(call, ends, icmp_refused());
                Ok(Sent::Refused)
            }
            Err(error) => {
                n.failed_on(call, self.transport, &error);
                Err(self.transfer("send", error))
            }
        }
    }

    /// recv() on a connected socket: one datagram from the peer, with
    /// stdout held and `show` asked as in [`TcpSocket::recv_held`].
    pub fn recv_held<'b>(
        &self,
        buf: &'b mut [u8],
        show: impl FnOnce() -> bool,
    ) -> Result<Held<Datagram<'b>>, NetError> {
        let (n, ends) = (narrator(), self.ends());
        let (len, shown, stdout) = loop {
            let call = n.enter("recv", "", ends);
            let received = self.inner.recv(buf);
            let stdout = hold();
            match received {
                Ok(0) if self.read_shut.load(Ordering::SeqCst) => {
                    n.done(call, ends, self.zero_bytes());
                    return Ok(Held::new(Datagram::Stopped, stdout));
                }
                Ok(len) => {
                    let shown = show();
                    let n = if shown { n } else { n.silenced() };
                    n.done_data(call, ends, byte_count(len as u64), &buf[..len]);
                    break (len, shown, stdout);
                }
                Err(error) if error.kind() == ErrorKind::ConnectionRefused => {
                    n.done(call, ends, icmp_refused());
                    return Ok(Held::new(Datagram::Refused, stdout));
                }
                Err(error) => {
                    n.failed_on(call, self.transport, &error);
                    if error.kind() != ErrorKind::Interrupted {
                        return Err(self.transfer("recv", error));
                    }
                }
            }
        };
        let got = Datagram::Data(&buf[..len]);
        Ok(Held {
            shown,
            ..Held::new(got, stdout)
        })
    }

    /// close(): give the socket back. Nothing goes on the wire: UDP has no
    /// connection to end.
    pub fn close(self) {
        self.0.close_inner();
    }
}

endpoint!(UdpSocket);

// ---- a server's clients, the limit on open files, throughput ------------

/// setrlimit(RLIMIT_NOFILE): raise this process's soft limit on open files
/// to its hard limit, narrated; returns the soft limit now in force. Every
/// socket is a file descriptor, so a server with more clients than the
/// soft limit (often 1024) would see accept() fail with EMFILE.
pub fn raise_fd_limit() -> u64 {
    let n = narrator();
    let error = |e: io::Error| Narrator::error_words(&e).text().to_string();
    let (soft, hard) = match crate::sys::fd_limit() {
        Ok(limits) => limits,
        Err(e) => {
            n.note_call("getrlimit(RLIMIT_NOFILE)", Err(&error(e)));
            return 0;
        }
    };
    // macOS takes at most OPEN_MAX, whatever its hard limit (setrlimit(2)).
    let most = if cfg!(target_os = "macos") {
        hard.min(10_240)
    } else {
        hard
    };
    if soft >= most {
        let already = crate::t!("lab-fd-limit-already", soft = soft);
        n.note_call("getrlimit(RLIMIT_NOFILE)", Ok(&already));
        return soft;
    }
    let sig = format!("setrlimit(RLIMIT_NOFILE, {soft} -> {most})");
    match crate::sys::set_fd_limit(most) {
        Ok(()) => {
            n.note_call(&sig, Ok("ok"));
            most
        }
        Err(e) => {
            n.note_call(&sig, Err(&error(e)));
            soft
        }
    }
}

/// Room for a server's clients: at most `max` connected at once. Each
/// client holds a socket, that is a file descriptor (and, in tcp_server, a
/// thread): without a cap, about a thousand idle connections (the usual
/// limit on open files) would make accept() fail for everyone else.
#[derive(Debug)]
pub struct Places {
    max: usize,
    taken: Arc<AtomicUsize>,
}

/// One client's place, given back when it is dropped.
#[derive(Debug)]
pub struct Place(Arc<AtomicUsize>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// File descriptors kept for other things than clients (stdio, the
/// listening socket, the events socket, a wake-up connection...).
const RESERVED_FDS: u64 = 16;

impl Places {
    /// Room for `max` clients: the limit on open files is raised first
    /// ([`raise_fd_limit`]), and `max` lowered if they would still not fit.
    /// Narrated.
    pub fn new(max: usize) -> Places {
        let limit = raise_fd_limit();
        let fit = usize::try_from(limit.saturating_sub(RESERVED_FDS)).unwrap_or(usize::MAX);
        let asked = max;
        let max = max.min(fit).max(1);
        explain(crate::t!("lab-places", max = max));
        if max < asked {
            explain(crate::t!(
                "lab-places-fewer",
                asked = asked,
                limit = limit,
                max = max
            ));
        }
        Places {
            max,
            taken: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// How many clients fit.
    pub fn max(&self) -> usize {
        self.max
    }

    /// No place left: narrate `accept() -> new socket for PEER, but N
    /// clients are connected already (--max-clients): refusing it`, tell the
    /// client so in one line, then close().
    pub fn refuse(&self, accepted: Accepted) {
        let (max, peer) = (self.max, accepted.peer);
        let conn = accepted.returned(Outcome::Refusing {
            peer,
            max: max as u64,
        });
        let busy =
            format!("error: server busy: {max} clients are connected already; try again later\n");
        let _ = conn.send_all(busy.as_bytes());
        conn.close();
    }

    /// A place for one more client, if one is free. (One thread takes
    /// places, so two cannot take the last one.)
    pub fn take(&self) -> Option<Place> {
        if self.taken.load(Ordering::SeqCst) >= self.max {
            return None;
        }
        self.taken.fetch_add(1, Ordering::SeqCst);
        Some(Place(Arc::clone(&self.taken)))
    }
}

/// Which way the bytes of a [`report_rate`] went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moved {
    /// We sent them.
    Sent,
    /// We received them.
    Received,
}

impl Moved {
    /// `received 8388608 bytes (8 MiB) in 0.012 s: 5.59 Gbit/s`, in `lang`
    /// (decimal commas in Portuguese).
    pub fn rate_in(self, lang: i18n::Lang, bytes: u64, seconds: f64) -> String {
        let id = match self {
            Moved::Sent => "lab-rate-sent",
            Moved::Received => "lab-rate-received",
        };
        let rate = crate::narrate::gbit_per_s(bytes, seconds);
        let args = [
            ("bytes", bytes.into()),
            ("human", crate::narrate::human_bytes_in(lang, bytes).into()),
            ("seconds", i18n::decimal_in(lang, seconds, 3).into()),
            ("rate", i18n::decimal_in(lang, rate, 2).into()),
        ];
        i18n::tr_in(lang, id, &args)
    }
}

/// A throughput line (the program's output, [`Moved::rate_in`]) for
/// `bytes` moved since `start`.
pub fn report_rate(moved: Moved, bytes: u64, start: Instant) {
    let seconds = start.elapsed().as_secs_f64();
    output(moved.rate_in(i18n::lang(), bytes, seconds));
}

/// `6 bytes`, in every language.
fn byte_count(n: u64) -> Outcome {
    Outcome::Bytes { n }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{CallEvent, Emitter};
    use crate::i18n::Lang;
    use crate::said;
    use std::os::unix::net::UnixDatagram;
    use std::sync::mpsc;

    /// Receives events in a thread of its own, as `capture` does: the
    /// kernel queues only a few datagrams for a socket nobody reads.
    struct Collector {
        events: mpsc::Receiver<CallEvent>,
    }

    impl Collector {
        fn start(path: &std::path::Path) -> Collector {
            let sock = UnixDatagram::bind(path).unwrap();
            sock.set_read_timeout(Some(Duration::from_millis(50)))
                .unwrap();
            let (tx, events) = mpsc::channel();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    if let Ok(len) = sock.recv(&mut buf) {
                        let event = CallEvent::parse(&buf[..len]).expect("a valid event");
                        if tx.send(event).is_err() {
                            return;
                        }
                    }
                }
            });
            Collector { events }
        }

        /// What arrived so far (waiting a moment for the last ones).
        fn drain(&mut self) -> Vec<CallEvent> {
            let mut out = Vec::new();
            while let Ok(event) = self.events.recv_timeout(Duration::from_millis(300)) {
                out.push(event);
            }
            out
        }
    }

    fn summary(events: &[CallEvent]) -> Vec<String> {
        events
            .iter()
            .map(|e| {
                let addr = |a: Option<SocketAddr>| a.map_or("-".into(), |a| a.to_string());
                format!(
                    "{} {} {} {} {}",
                    e.call,
                    e.phase.as_str(),
                    addr(e.local),
                    addr(e.peer),
                    e.result
                )
            })
            .collect()
    }

    /// The message ids the lab programs' code asks for (string literals
    /// `"lab-..."`, `"chat-..."`, `"net-..."`, `"cli-..."`).
    fn ids_asked_for(source: &str) -> Vec<String> {
        let mut ids = Vec::new();
        for piece in source.split('"').skip(1).step_by(2) {
            let known = ["lab-", "chat-", "net-", "cli-"];
            let is_id = known
                .iter()
                .any(|p| piece.len() > p.len() && piece.starts_with(p))
                && piece
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if is_id {
                ids.push(piece.to_string());
            }
        }
        ids
    }

    #[test]
    fn every_message_the_lab_programs_ask_for_exists_in_both_languages() {
        let sources = [
            include_str!("lab.rs"),
            include_str!("narrate.rs"),
            include_str!("net.rs"),
            include_str!("cli.rs"),
            include_str!("chat/mod.rs"),
            include_str!("chat/args.rs"),
            include_str!("chat/talk.rs"),
            include_str!("bin/tcp_server.rs"),
            include_str!("bin/tcp_client.rs"),
            include_str!("bin/udp_server.rs"),
            include_str!("bin/udp_client.rs"),
            include_str!("bin/chat.rs"),
        ];
        let ids: Vec<String> = sources.iter().flat_map(|s| ids_asked_for(s)).collect();
        assert!(ids.len() > 100, "only {} ids found", ids.len());
        for id in &ids {
            for lang in Lang::ALL {
                assert!(i18n::has_message(lang, id), "no {id} in {lang}");
            }
        }
    }

    #[test]
    fn every_fact_of_the_lab_is_said_in_both_languages() {
        let first: SocketAddr = "[::1]:5000".parse().unwrap();
        let mut said = Vec::new();
        for doing in [AddressUse::ListenOn, AddressUse::SendTo] {
            said.push((
                doing.found_in(Lang::En, 2, first),
                doing.found_in(Lang::PtBr, 2, first),
            ));
        }
        for moved in [Moved::Sent, Moved::Received] {
            let (bytes, seconds) = (8 << 20, 0.012);
            said.push((
                moved.rate_in(Lang::En, bytes, seconds),
                moved.rate_in(Lang::PtBr, bytes, seconds),
            ));
        }
        for (en, pt) in &said {
            assert!(!en.is_empty() && !pt.is_empty());
            assert!(!pt.contains("lab-") && !pt.contains('{'), "{pt}");
            assert_ne!(en, pt);
        }
        assert_eq!(
            said[0].0, "2 addresses found: listening on the first, [::1]:5000",
            "English as before"
        );
        assert_eq!(
            said[1].1,
            "2 endereços encontrados: enviando para o primeiro, [::1]:5000"
        );
        assert_eq!(
            said[3].0, "received 8388608 bytes (8 MiB) in 0.012 s: 5.59 Gbit/s",
            "English as before"
        );
        assert_eq!(
            said[2].1,
            "enviados 8388608 bytes (8 MiB) em 0,012 s: 5,59 Gbit/s"
        );
    }

    #[test]
    fn what_a_call_returned_is_said_in_each_language() {
        use crate::narrate::{human_bytes_in, human_duration_in, Words};
        assert_eq!(
            byte_count(1u64).in_lang(Lang::En),
            "1 bytes",
            "English as before"
        );
        assert_eq!(byte_count(1u64).in_lang(Lang::PtBr), "1 byte");
        assert_eq!(byte_count(0u64).in_lang(Lang::PtBr), "0 bytes");
        assert_eq!(byte_count(6u64).in_lang(Lang::PtBr), "6 bytes");
        let peer: SocketAddr = "127.0.0.1:53312".parse().unwrap();
        let new = said!("lab-new-socket", peer = peer.to_string());
        assert_eq!(new.in_lang(Lang::En), "new socket for 127.0.0.1:53312");
        assert_eq!(new.in_lang(Lang::PtBr), "novo socket para 127.0.0.1:53312");
        assert_eq!(
            icmp_refused().in_lang(Lang::PtBr),
            "erro: ECONNREFUSED (voltou um ICMP port unreachable)"
        );
        let reset = Narrator::error_words(&io::Error::from(ErrorKind::ConnectionReset));
        assert_eq!(
            reset.in_lang(Lang::En),
            "error: connection reset by peer (RST received)"
        );
        assert_eq!(
            reset.in_lang(Lang::PtBr),
            "erro: o outro lado abortou a conexão (RST recebido)"
        );
        assert_eq!(human_bytes_in(Lang::PtBr, 1536 * 1024), "1,5 MiB");
        assert_eq!(human_bytes_in(Lang::En, 1536 * 1024), "1.5 MiB");
        assert_eq!(
            human_duration_in(Lang::PtBr, Duration::from_millis(1500)),
            "1,5s"
        );
        assert_eq!(
            human_duration_in(Lang::En, Duration::from_millis(1500)),
            "1.5s"
        );
        assert_eq!(
            human_duration_in(Lang::PtBr, Duration::from_millis(300)),
            "300ms"
        );
        let repeated = |lang, times: u64| {
            i18n::tr_in(
                lang,
                "lab-repeated",
                &[("sig", "recv()".into()), ("times", times.into())],
            )
        };
        assert_eq!(
            repeated(Lang::En, 1),
            "recv() x 1 calls",
            "English as before"
        );
        assert_eq!(repeated(Lang::PtBr, 1), "recv() x 1 chamada");
        assert_eq!(repeated(Lang::PtBr, 4096), "recv() x 4096 chamadas");
    }

    /// Every call of a TCP and a UDP conversation: its events, with the ends
    /// that `capture` matches them by, and its expected outcomes as values.
    /// (One test: the narrator is the process's.)
    #[test]
    fn calls_emit_their_events_and_return_outcomes() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let path = dir.join("ev.sock");
        let mut listener = Collector::start(&path);
        start(Narrator::with_emitter(
            "lab_test",
            true,
            false,
            Emitter::with_path("lab_test", path.clone()),
        ));
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();

        let server = socket(any, SOCK_STREAM).unwrap();
        server.bind(any).unwrap();
        let local = server.getsockname();
        assert_ne!(local.port(), 0, "getsockname() knows the port bind() got");
        server.listen(1).unwrap();
        let client = socket(local, SOCK_STREAM).unwrap();
        client.connect(local).unwrap();
        let conn = server.accept().unwrap().new_socket();
        let client_addr = client.getsockname();
        client.send_all(b"hi\n").unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(conn.recv(&mut buf).unwrap(), Recv::Data(b"hi\n"));
        conn.setsockopt_rcvtimeo(Duration::from_millis(10)).unwrap();
        assert_eq!(conn.recv(&mut buf).unwrap(), Recv::TimedOut);
        client.shutdown(Shutdown::Write).unwrap();
        assert_eq!(conn.recv(&mut buf).unwrap(), Recv::Closed);
        client.close();
        conn.close();
        // An abortive close (SO_LINGER 0): the peer's recv() says so, as a value.
        let client = socket(local, SOCK_STREAM).unwrap();
        client.connect(local).unwrap();
        let conn = server.accept().unwrap().new_socket();
        let reset_ends = format!("{local} {}", client.getsockname());
        let linger_ends = format!("{} {local}", client.getsockname());
        client.setsockopt_linger_zero().unwrap();
        client.close();
        assert_eq!(conn.recv(&mut buf).unwrap(), Recv::Reset);
        conn.close();
        server.close();

        let events = summary(&listener.drain());
        let conn_ends = format!("{local} {client_addr}");
        for wanted in [
            "socket return - - ok".to_string(),
            format!("bind return {any} - ok"),
            format!("listen return {local} - ok"),
            format!("connect enter - {local} "),
            format!("connect return {client_addr} {local} ok"),
            format!("accept enter {local} - "),
            format!("accept return {conn_ends} new socket for {client_addr}"),
            format!("recv return {conn_ends} 3 bytes \"hi\\n\""),
            // The event names the option (an event carries no arguments).
            format!("setsockopt return {conn_ends} ok (SO_RCVTIMEO, 10ms)"),
            format!("recv return {conn_ends} error: timed out"),
            format!("shutdown enter {client_addr} {local} "),
            format!("recv return {conn_ends} 0 bytes: peer closed its side (FIN received)"),
            format!("close enter {client_addr} {local} "),
            format!("close return {local} - ok"),
            format!("setsockopt return {linger_ends} ok (SO_LINGER, on, 0 s)"),
            format!("recv return {reset_ends} error: connection reset by peer (RST received)"),
        ] {
            assert!(events.contains(&wanted), "no `{wanted}` in {events:#?}");
        }

        // UDP: a client that never binds sends to a server that did.
        let udp_server = socket(any, SOCK_DGRAM).unwrap();
        udp_server.bind(any).unwrap();
        let server_addr = udp_server.getsockname();
        let udp_client = socket(server_addr, SOCK_DGRAM).unwrap();
        udp_client.sendto(b"ping", server_addr).unwrap();
        // Bound by that sendto() to any address (0.0.0.0) and a free port.
        let client_local = udp_client.getsockname();
        assert!(client_local.ip().is_unspecified() && client_local.port() != 0);
        let client_addr = SocketAddr::new(server_addr.ip(), client_local.port());
        let mut buf = [0u8; 16];
        assert_eq!(
            udp_server.recvfrom(&mut buf).unwrap(),
            RecvFrom::Data(b"ping", client_addr)
        );
        udp_server.sendto(b"pong", client_addr).unwrap();
        assert_eq!(
            udp_client.recvfrom(&mut buf).unwrap(),
            RecvFrom::Data(b"pong", server_addr)
        );
        udp_client
            .setsockopt_rcvtimeo(Duration::from_millis(10))
            .unwrap();
        assert_eq!(udp_client.recvfrom(&mut buf).unwrap(), RecvFrom::TimedOut);
        let too_big = vec![0u8; net::MAX_DATAGRAM_V4 + 1];
        assert!(matches!(
            udp_client.sendto(&too_big, server_addr),
            Err(NetError::DatagramTooLarge { .. })
        ));
        // A connected UDP socket hears the ICMP "port unreachable".
        let gone = udp_server.getsockname();
        udp_server.close();
        udp_client.connect(gone).unwrap();
        udp_client
            .setsockopt_rcvtimeo(Duration::from_secs(5))
            .unwrap();
        assert_eq!(udp_client.send(b"anyone?").unwrap(), Sent::Bytes(7));
        assert_eq!(
            udp_client.recv_held(&mut buf, || true).unwrap().got,
            Datagram::Refused,
            "ECONNREFUSED on a connected UDP socket is a value"
        );
        udp_client.close();

        let events = summary(&listener.drain());
        for wanted in [
            format!("sendto enter - {server_addr} "),
            format!("sendto return {client_local} {server_addr} 4 bytes"),
            format!("recvfrom enter {server_addr} - "),
            format!(
                "recvfrom return {server_addr} {client_addr} 4 bytes from {client_addr} \"ping\""
            ),
            format!("sendto enter {server_addr} {client_addr} "),
            format!("recvfrom enter {client_local} {server_addr} "),
            format!(
                "recv return {client_addr} {gone} {}",
                icmp_refused().in_lang(crate::i18n::Lang::En)
            ),
        ] {
            assert!(events.contains(&wanted), "no `{wanted}` in {events:#?}");
        }
        assert!(
            !events.iter().any(|e| e.starts_with("setsockopt enter")),
            "calls that return at once have no enter event"
        );
        drop(listener);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
