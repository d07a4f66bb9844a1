#![forbid(unsafe_code)]
//! chat: two people on two computers, one conversation, over TCP or over UDP.
//!
//! Read it top to bottom. First the socket, made one of three ways:
//!
//! - TCP, the side that waits (`--listen`):
//!   `socket()` → `setsockopt()` → `bind()` → `listen()` → `accept()` → `close()` the listening socket;
//! - TCP, the side that calls (`--connect PEER`): `socket()` → `connect()`;
//! - UDP, both sides alike (`--peer PEER`): `socket()` → `bind()` → `connect()`.
//!
//! Then the conversation. A person types and reads at the same time, so the
//! program does two things at once: one thread `recv()`s and prints what
//! arrives, while the main thread `send()`s each line typed (a third thread
//! only reads the keyboard). Leaving: `shutdown(SHUT_WR)` (our FIN) on TCP,
//! a goodbye datagram on UDP, then `close()`.
//!
//! Every message carries the sender's name, the time and a sequence number
//! (`src/chat.rs`, `docs/protocol.md`). Over UDP the numbers reveal what the
//! network lost, reordered or duplicated; over TCP they never reveal
//! anything, and the final report says why.

use std::io::{self, IsTerminal, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{ArgGroup, CommandFactory, Parser, ValueEnum};
use socket2::{Domain, Socket, Type};

use socklab::chat::{self, FloodGuard, Kind, Message, Report, Screen, SeqTracker, Verdict};
use socklab::cli::{self, ColorChoice};
use socklab::events;
use socklab::narrate::{escape, Call, Ends, Narrator};
use socklab::net::{self, LineFramer, LineRead, LineReader, NetError};

const PROG: &str = "chat";
/// Big enough for the largest UDP datagram, and a good gulp of a TCP stream.
const RECV_BUFFER: usize = 64 * 1024;
/// After our FIN, how long to wait for the peer's before closing anyway.
const LEAVE_WAIT: Duration = Duration::from_secs(5);
/// Received messages shown per second on a terminal; more are counted, not shown.
const SHOWN_PER_SECOND: u32 = 50;
/// Bytes of an Ethernet frame's payload (the MTU of a lab network).
const ETHERNET_MTU: usize = 1500;

const EXAMPLES: &str = "\
Examples (two computers, or two namespaces from `sudo twohost up`):
  chat --proto tcp --listen --name alice                 on alice: wait for bob
  chat --proto tcp --connect 10.203.0.1 --name bob       on bob: call alice
  chat --proto udp --peer 10.203.0.2 --name alice        on alice, and on bob:
  chat --proto udp --peer 10.203.0.1 --name bob            no listener, no caller
One machine, no namespaces: two UDP chats need two ports:
  chat --proto udp --peer 127.0.0.1 --port 6001 --peer-port 6002
  chat --proto udp --peer 127.0.0.1 --port 6002 --peer-port 6001
Type a line and press Enter to send it; /quit or Ctrl-D leaves.";

/// Chat with another computer over TCP or UDP, narrating every socket call,
/// with sequence numbers that show what UDP loses.
#[derive(Parser)]
#[command(version, after_help = EXAMPLES)]
#[command(group(ArgGroup::new("role").required(true).args(["listen", "connect", "peer"])))]
struct Args {
    /// Transport: tcp (a connection carrying a byte stream) or udp (separate datagrams)
    #[arg(long, value_enum)]
    proto: Proto,

    /// TCP: wait for the other computer to connect
    #[arg(long)]
    listen: bool,

    /// TCP: connect to the other computer, which is listening
    #[arg(long, value_name = "PEER_IP")]
    connect: Option<String>,

    /// UDP: the other computer (each side names the other)
    #[arg(long, value_name = "PEER_IP")]
    peer: Option<String>,

    /// Our own address, to listen on (TCP) or bind (UDP); default: every address (0.0.0.0, or :: for an IPv6 peer)
    #[arg(long, value_name = "HOST", conflicts_with = "connect")]
    host: Option<String>,

    /// Port: the one we listen on or connect to (TCP); the one both sides bind (UDP)
    #[arg(long, default_value_t = chat::DEFAULT_PORT)]
    port: u16,

    /// UDP: the peer's port, when it is not --port (two chats on one machine)
    #[arg(long, value_name = "PORT", requires = "peer")]
    peer_port: Option<u16>,

    /// Your name, sent with every message (default: $USER)
    #[arg(long, value_parser = chat::parse_name, value_name = "NICK")]
    name: Option<String>,

    /// Print only the conversation and the report, not the narration of the socket calls
    #[arg(long, short)]
    quiet: bool,

    /// Colour the narration: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,

    /// Show at most N received messages per second (0: all); default 50 on a terminal, all otherwise
    #[arg(long, value_name = "N", hide = true)]
    show_limit: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Proto {
    Tcp,
    Udp,
}

/// Which side we are.
enum Role {
    Listen,
    Connect(String),
    Peer(String),
}

/// The socket the conversation goes through. From here on we use std's
/// types: the same socket (the same file descriptor), whose `read`/`write`
/// and `send`/`recv` are exactly recv() and send() on a plain byte buffer.
enum Link {
    Tcp(TcpStream),
    Udp(UdpSocket),
}

fn main() -> ExitCode {
    cli::run_main(PROG, run)
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let role = role(&args);
    let n = Narrator::new(PROG, args.quiet, args.color.apply());
    let name = args.name.clone().unwrap_or_else(default_name);

    let (link, ends) = match &role {
        Role::Listen => listen_for_peer(&n, args.host.as_deref(), args.port)?,
        Role::Connect(peer) => connect_to_peer(&n, peer, args.port)?,
        Role::Peer(peer) => {
            let peer_port = args.peer_port.unwrap_or(args.port);
            open_udp(&n, args.host.as_deref(), args.port, peer, peer_port)?
        }
    };
    let peer = ends.peer.context("the socket has no peer address")?;
    let proto = match link {
        Link::Tcp(_) => "TCP",
        Link::Udp(_) => "UDP",
    };
    n.output(format!(
        "chatting with {peer} over {proto} as {name}: type a line and press Enter; /quit or Ctrl-D leaves"
    ));

    let interactive = io::stdin().is_terminal() && io::stdout().is_terminal();
    let show_limit = match args.show_limit {
        Some(0) => None,
        Some(limit) => Some(limit),
        None if interactive => Some(SHOWN_PER_SECOND),
        None => None,
    };
    let chat = Arc::new(Chat {
        hidden: Narrator::new(PROG, true, false),
        n,
        link,
        ends,
        peer,
        name: name.clone(),
        seen: Mutex::new(SeqTracker::new()),
        screen: Screen::new(interactive.then(|| format!("{name}> "))),
        leaving: AtomicBool::new(false),
        told_refused: AtomicBool::new(false),
        show_limit,
    });
    converse(chat)
}

/// TCP, the side that waits: socket, bind, listen, accept.
fn listen_for_peer(n: &Narrator, host: Option<&str>, port: u16) -> anyhow::Result<(Link, Ends)> {
    // getaddrinfo(): our own address. By default 0.0.0.0, "every IPv4
    // address of this computer", so that the other computer can reach us
    // through the lab network (127.0.0.1 would only be reachable from here).
    let host = host.unwrap_or("0.0.0.0");
    let addr = n.resolve(host, port)?[0];

    // socket(): a TCP endpoint (SOCK_STREAM). Nothing on the wire yet.
    let what = format!("{}, SOCK_STREAM", net::family_name(&addr));
    let listener = n
        .call(
            "socket",
            &what,
            Ends::NONE,
            Socket::new(Domain::for_address(addr), Type::STREAM, None),
        )
        .map_err(|error| NetError::Socket { what, error })?;

    // setsockopt(SO_REUSEADDR): so that a chat restarted at once can bind
    // the port again while the last connection lingers in TIME-WAIT.
    n.call(
        "setsockopt",
        "SO_REUSEADDR, 1",
        Ends::NONE,
        listener.set_reuse_address(true),
    )
    .context("setsockopt(SO_REUSEADDR)")?;

    // bind(): claim the address and port the other computer will call.
    n.call("bind", addr, Ends::local(addr), listener.bind(&addr.into()))
        .map_err(|error| NetError::Bind { addr, error })?;
    let local = listener
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .unwrap_or(addr);

    // listen(): from now on the kernel answers a caller's handshake by
    // itself. A chat has one peer: a backlog of 1 is enough.
    n.call(
        "listen",
        "backlog=1",
        Ends::local(local),
        listener.listen(1),
    )
    .map_err(|error| NetError::Listen { addr: local, error })?;
    n.output(format!(
        "listening on {local}: on the other computer, run `chat --proto tcp --connect ADDRESS`"
    ));

    // accept(): wait for the other computer. It returns once the three-way
    // handshake is complete, with a NEW socket for this one conversation.
    let call = n.enter("accept", "", Ends::local(local));
    let conn = match listener.accept() {
        Ok((conn, _)) => conn,
        Err(error) => {
            n.failed(call, &error);
            return Err(NetError::Listen { addr: local, error }.into());
        }
    };
    let ends = Ends::of(&conn);
    let peer = ends.peer.map_or_else(|| "?".into(), |p| p.to_string());
    n.done(call, ends, format!("new socket for {peer}"));

    // close() the listening socket: one peer is all a chat has. Anyone else
    // who calls now is refused (RST), instead of waiting forever in the queue.
    let call = n.enter("close", "", Ends::local(local));
    drop(listener);
    n.done(call, Ends::local(local), "");
    Ok((Link::Tcp(TcpStream::from(conn)), ends))
}

/// TCP, the side that calls: socket, connect.
fn connect_to_peer(n: &Narrator, peer: &str, port: u16) -> anyhow::Result<(Link, Ends)> {
    // getaddrinfo(): the other computer's address(es).
    let addrs = n.resolve(peer, port)?;
    let mut last_error = None;
    for &addr in &addrs {
        // socket(): a TCP endpoint. Nothing on the wire yet.
        let what = format!("{}, SOCK_STREAM", net::family_name(&addr));
        let sock = n
            .call(
                "socket",
                &what,
                Ends::NONE,
                Socket::new(Domain::for_address(addr), Type::STREAM, None),
            )
            .map_err(|error| NetError::Socket { what, error })?;

        // connect(): the three-way handshake, SYN → SYN-ACK → ACK. No
        // bind(): the kernel picks our address and a free port.
        let call = n.enter("connect", addr, Ends::peer(addr));
        match sock.connect(&addr.into()) {
            Ok(()) => {
                let ends = Ends::of(&sock);
                n.done(call, ends, "ok");
                return Ok((Link::Tcp(TcpStream::from(sock)), ends));
            }
            Err(error) => {
                n.failed(call, &error);
                last_error = Some((addr, error));
            }
        }
    }
    let Some((addr, error)) = last_error else {
        anyhow::bail!("no address to connect to");
    };
    if error.kind() == io::ErrorKind::ConnectionRefused {
        // The other computer answered our SYN with an RST: it is there, but
        // no program listens on that port.
        anyhow::bail!(
            "connect {addr}: connection refused (RST received): nothing listens on port {} there; start `chat --proto tcp --listen` on the other computer first, with the same --port",
            addr.port()
        );
    }
    Err(NetError::Connect { addr, error }.into())
}

/// UDP, both sides: socket, bind, connect.
fn open_udp(
    n: &Narrator,
    host: Option<&str>,
    port: u16,
    peer: &str,
    peer_port: u16,
) -> anyhow::Result<(Link, Ends)> {
    // getaddrinfo(): the other computer's address; datagrams go to the first.
    let peer = n.resolve(peer, peer_port)?[0];
    // Our own address: --host, or every address of the peer's family.
    let local = match host {
        Some(host) => n
            .resolve(host, port)?
            .into_iter()
            .find(|a| a.is_ipv4() == peer.is_ipv4())
            .with_context(|| {
                format!("--host {host} has no address of the peer's family ({peer}): use an IPv4 or an IPv6 address for both")
            })?,
        None if peer.is_ipv4() => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
        None => SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port),
    };

    // socket(): a UDP endpoint (SOCK_DGRAM).
    let what = format!("{}, SOCK_DGRAM", net::family_name(&peer));
    let sock = n
        .call(
            "socket",
            &what,
            Ends::NONE,
            Socket::new(Domain::for_address(peer), Type::DGRAM, None),
        )
        .map_err(|error| NetError::Socket { what, error })?;

    // bind(): claim our port: the peer sends its datagrams there. There is
    // no listen() and no accept(): both sides are alike.
    n.call("bind", local, Ends::local(local), sock.bind(&local.into()))
        .map_err(|error| NetError::Bind { addr: local, error })?;

    // connect() on UDP: nothing goes on the wire, there is no handshake.
    // The kernel only remembers the peer: send() needs no address, recv()
    // returns only the peer's datagrams, and an ICMP "port unreachable"
    // about our datagrams comes back to us as ECONNREFUSED.
    let call = n.enter("connect", peer, Ends::new(local, peer));
    let connected = sock.connect(&peer.into());
    let ends = Ends::of(&sock);
    n.finish(call, ends, connected)
        .map_err(|error| NetError::Connect { addr: peer, error })?;
    n.explain("no packet was sent: a UDP connect() only records the peer's address");
    Ok((Link::Udp(UdpSocket::from(sock)), ends))
}

/// Everything the threads of the conversation share.
struct Chat {
    n: Narrator,
    /// The same narrator, silent: for calls made while a flood is hidden
    /// (their events still reach `capture`).
    hidden: Narrator,
    link: Link,
    ends: Ends,
    peer: SocketAddr,
    name: String,
    /// What we have seen of the peer's sequence numbers.
    seen: Mutex<SeqTracker>,
    screen: Screen,
    /// Set before we stop our own receiving thread.
    leaving: AtomicBool,
    /// Whether ECONNREFUSED on UDP has been explained already.
    told_refused: AtomicBool,
    show_limit: Option<u32>,
}

/// What the threads tell the main thread.
enum Event {
    /// A line typed (or piped) in, without its newline.
    Typed(Vec<u8>),
    /// A typed line over the TCP limit, skipped.
    TooLong,
    /// The end of the input (Ctrl-D, or the end of a pipe).
    EndOfInput,
    /// Ctrl-C or a kill.
    Interrupted,
    /// The peer has left: its FIN (TCP) or its goodbye (UDP).
    PeerLeft,
    /// The receiving thread has stopped after our own shutdown(SHUT_RD).
    Stopped,
    /// The connection broke.
    Failed(NetError),
}

/// The conversation: two threads feed the main thread, which sends.
fn converse(chat: Arc<Chat>) -> anyhow::Result<()> {
    let (events, inbox) = mpsc::channel();

    // Ctrl-C (or `kill`) leaves like /quit, so that the peer is told.
    let interrupted = events.clone();
    let _ = ctrlc::set_handler(move || {
        let _ = interrupted.send(Event::Interrupted);
    });

    // The receiving thread: recv() and print, until the peer leaves.
    let receiver = {
        let chat = Arc::clone(&chat);
        let events = events.clone();
        thread::spawn(move || {
            let end = match &chat.link {
                Link::Tcp(stream) => receive_tcp(&chat, stream),
                Link::Udp(sock) => receive_udp(&chat, sock),
            };
            let _ = events.send(end);
        })
    };

    // The keyboard thread: only reads lines, so that the main thread is
    // never stuck waiting for someone to type.
    thread::spawn(move || read_keyboard(events));

    // The main thread sends each line typed, until someone leaves.
    chat.screen.above_prompt(|| ());
    let mut sent = 0u64;
    let mut failure = None;
    let peer_left = loop {
        match inbox.recv() {
            Ok(Event::Typed(line)) if line.trim_ascii() == chat::QUIT.as_bytes() => break false,
            Ok(Event::Typed(line)) if line.is_empty() => chat.screen.above_prompt(|| ()),
            Ok(Event::Typed(line)) => match send_message(&chat, Kind::Msg, sent + 1, &line) {
                Ok(true) => sent += 1,
                Ok(false) => {}
                Err(error) => {
                    failure = Some(error);
                    break true;
                }
            },
            Ok(Event::TooLong) => chat.n.warn(format!(
                "message not sent: a line longer than {} bytes",
                net::MAX_LINE
            )),
            Ok(Event::EndOfInput | Event::Interrupted) | Err(_) => break false,
            Ok(Event::PeerLeft | Event::Stopped) => break true,
            Ok(Event::Failed(error)) => {
                failure = Some(error);
                break true;
            }
        }
    };

    // From here on nobody types: no more prompt.
    chat.screen.finish(&mut io::stdout().lock());
    let mut receiving = !peer_left;
    if !peer_left {
        // We leave: tell the peer.
        match &chat.link {
            Link::Tcp(stream) => {
                // shutdown(SHUT_WR): our FIN. The peer's recv() returns 0 and
                // it knows we left. We can still receive: we wait for its
                // FIN too, so that nothing it sent meanwhile is lost.
                chat.screen.above_prompt(|| {
                    let call = chat.n.enter("shutdown", "SHUT_WR", chat.ends);
                    let _ = chat
                        .n
                        .finish(call, chat.ends, stream.shutdown(Shutdown::Write));
                });
                receiving = !wait_for_peer(&inbox);
            }
            Link::Udp(_) => {
                // A goodbye datagram: UDP has no connection, so no FIN. If
                // this datagram is lost, the peer will never know we left.
                let _ = send_message(&chat, Kind::Bye, sent + 1, b"");
            }
        }
    }
    if receiving {
        // shutdown(SHUT_RD): we will read no more. This also wakes our own
        // receiving thread, blocked in recv(), which then returns 0.
        // (stdout stays locked meanwhile, so that this call is printed
        // before what the woken thread prints.)
        chat.leaving.store(true, Ordering::SeqCst);
        chat.screen.above_prompt(|| {
            let call = chat.n.enter("shutdown", "SHUT_RD", chat.ends);
            let stopped = match &chat.link {
                Link::Tcp(stream) => stream.shutdown(Shutdown::Read),
                Link::Udp(sock) => socket2::SockRef::from(sock).shutdown(Shutdown::Read),
            };
            let _ = chat.n.finish(call, chat.ends, stopped);
        });
    }
    let _ = receiver.join();

    // On TCP, ask the kernel how many segments it had to send again.
    let retransmitted = match &chat.link {
        Link::Tcp(stream) => socklab::sys::tcp_total_retrans(stream.as_raw_fd()).ok(),
        Link::Udp(_) => None,
    };

    // close(): on TCP, our FIN if shutdown() has not sent it yet; on UDP,
    // nothing on the wire. The receiving thread is gone, so ours is the
    // last reference to the socket.
    let (n, ends) = (chat.n.clone(), chat.ends);
    let report = Report {
        sent,
        counts: chat.seen.lock().map(|t| t.counts()).unwrap_or_default(),
    };
    let udp = matches!(chat.link, Link::Udp(_));
    let call = n.enter("close", "", ends);
    drop(chat);
    n.done(call, ends, "");

    n.output(format!("report: {report}"));
    if udp {
        n.output("why: these counts come from our own sequence numbers: UDP itself numbers nothing, acknowledges nothing and never retransmits, so a datagram lost on the way is simply gone");
    } else {
        let retransmitted = match retransmitted {
            Some(0) => " (none was needed on this connection)".to_string(),
            Some(1) => " (the kernel retransmitted 1 segment on this connection)".to_string(),
            Some(r) => format!(" (the kernel retransmitted {r} segments on this connection)"),
            None => String::new(),
        };
        n.output(format!(
            "why: over TCP lost, reordered and duplicates stay at 0: TCP numbers every byte, the receiver acknowledges them, the sender retransmits what was lost{retransmitted}, and recv() hands the bytes over in order"
        ));
    }
    match failure {
        Some(error) => Err(error.into()),
        None => Ok(()),
    }
}

/// After our FIN, wait for the peer's (the receiving thread reports it).
/// True if the receiving thread has ended.
fn wait_for_peer(inbox: &Receiver<Event>) -> bool {
    let deadline = Instant::now() + LEAVE_WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match inbox.recv_timeout(left) {
            Ok(Event::PeerLeft | Event::Stopped | Event::Failed(_)) => return true,
            Ok(_) => {} // no more sending: we have left
            Err(_) => return false,
        }
    }
}

/// Send one message: one line on TCP, one datagram on UDP. `Ok(false)` if
/// it could not go and the chat goes on; an error if the connection broke.
fn send_message(chat: &Chat, kind: Kind, seq: u64, text: &[u8]) -> Result<bool, NetError> {
    let time_ms = events::now().as_millis() as u64;
    let message = Message::new(kind, seq, time_ms, &chat.name, text).encode();
    let (n, ends) = (&chat.n, chat.ends);
    chat.screen.above_prompt(|| match &chat.link {
        Link::Tcp(stream) => {
            // TCP carries bytes, not messages: the '\n' marks where this
            // message ends. send() may take fewer bytes than offered when the
            // send buffer is full, so we send until all are gone.
            if message.len() > net::MAX_LINE {
                n.warn(format!(
                    "message not sent: longer than {} bytes",
                    net::MAX_LINE
                ));
                return Ok(false);
            }
            let mut bytes = &[message.as_slice(), b"\n"].concat()[..];
            while !bytes.is_empty() {
                let call = n.enter("send", n.quote(bytes), ends);
                match (&*stream).write(bytes) {
                    Ok(sent) => {
                        n.done(call, ends, format!("{sent} bytes"));
                        bytes = &bytes[sent..];
                    }
                    Err(error) => {
                        n.failed(call, &error);
                        return Err(NetError::Transfer {
                            call: "send",
                            peer: chat.peer,
                            error,
                        });
                    }
                }
            }
            Ok(true)
        }
        Link::Udp(sock) => {
            // One message, one datagram, whole or not at all: refuse what
            // no datagram can carry, before sending anything.
            if let Err(too_big) = net::check_datagram(message.len(), &chat.peer) {
                n.warn(format!("message not sent: {too_big}"));
                return Ok(false);
            }
            let ip_header = if chat.peer.is_ipv4() { 20 } else { 40 };
            if message.len() + ip_header + 8 > ETHERNET_MTU {
                n.explain(format!(
                    "{} bytes do not fit in one {ETHERNET_MTU}-byte Ethernet frame: IP cuts the datagram into fragments, and losing any one of them loses the whole message",
                    message.len()
                ));
            }
            // send(): no address needed, the socket is connected. It returns
            // when the kernel has taken the datagram, not when it arrives:
            // UDP never tells whether it did.
            let call = n.enter("send", n.quote(&message), ends);
            match sock.send(&message) {
                Ok(sent) => {
                    n.done(call, ends, format!("{sent} bytes"));
                    if kind == Kind::Bye {
                        n.explain("our goodbye: if this datagram is lost, the peer never learns that we left (UDP has no FIN)");
                    }
                    Ok(true)
                }
                Err(error) if error.kind() == io::ErrorKind::ConnectionRefused => {
                    nobody_there(chat, call);
                    Ok(false)
                }
                Err(error) => {
                    n.failed(call, &error);
                    n.output(format!("-- message not sent: {}", net::describe(&error)));
                    Ok(false)
                }
            }
        }
    })
}

/// ECONNREFUSED on a connected UDP socket: an ICMP "port unreachable" came back.
fn nobody_there(chat: &Chat, call: Call) {
    chat.n.done(
        call,
        chat.ends,
        "error: ECONNREFUSED (an ICMP port unreachable came back)",
    );
    if !chat.told_refused.swap(true, Ordering::SeqCst) {
        chat.n.explain(
            "a datagram of ours reached the peer's computer, but no program there had the port open: it answered with an ICMP \"port unreachable\" message, which the kernel reports on our next send() or recv() because the socket is connected",
        );
    }
    chat.n.output(format!(
        "-- nobody is listening on {} (ICMP port unreachable): what we sent was lost; the chat goes on, start the other side",
        chat.peer
    ));
}

/// TCP: recv() until the peer closes; cut the byte stream into lines.
fn receive_tcp(chat: &Chat, mut stream: &TcpStream) -> Event {
    let mut buf = vec![0u8; RECV_BUFFER];
    let mut lines = LineFramer::new();
    let mut flood = FloodGuard::new(chat.show_limit);
    loop {
        let call = chat.n.enter("recv", "", chat.ends);
        let result = stream.read(&mut buf);
        let show = admit(chat, &mut flood);
        let n = if show { &chat.n } else { &chat.hidden };
        let end = chat.screen.above_prompt(|| match result {
            Ok(0) => {
                // 0 bytes: not "nothing yet" (recv() would have waited) but
                // the end of the stream: the peer's FIN, or our own SHUT_RD.
                if chat.leaving.load(Ordering::SeqCst) {
                    chat.n
                        .done(call, chat.ends, "0 bytes: we stopped reading (SHUT_RD)");
                    return Some(Event::Stopped);
                }
                chat.n.done(
                    call,
                    chat.ends,
                    "0 bytes: peer closed its side (FIN received)",
                );
                if let LineRead::EofMidLine(partial) = lines.finish() {
                    chat.n.output(format!(
                        "-- the peer left in the middle of a line: {}",
                        escape(&partial)
                    ));
                }
                chat.n
                    .output("-- peer left: it closed the connection (FIN received)");
                Some(Event::PeerLeft)
            }
            Ok(got) => {
                n.done_data(call, chat.ends, format!("{got} bytes"), &buf[..got]);
                for line in lines.push(&buf[..got]) {
                    match line {
                        LineRead::Line(line) => {
                            show_message(chat, n, show, &line);
                        }
                        LineRead::TooLong => n.output(format!(
                            "-- a line longer than {} bytes, skipped",
                            net::MAX_LINE
                        )),
                        LineRead::Eof | LineRead::EofMidLine(_) => {} // only finish() says so
                    }
                }
                None
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {
                chat.n.failed(call, &error);
                None
            }
            Err(error) => {
                // Typically "connection reset by peer": it aborted (RST).
                chat.n.failed(call, &error);
                Some(Event::Failed(NetError::Transfer {
                    call: "recv",
                    peer: chat.peer,
                    error,
                }))
            }
        });
        if let Some(end) = end {
            return end;
        }
    }
}

/// UDP: recv() one datagram at a time, until the peer's goodbye.
fn receive_udp(chat: &Chat, sock: &UdpSocket) -> Event {
    let mut buf = vec![0u8; RECV_BUFFER];
    let mut flood = FloodGuard::new(chat.show_limit);
    loop {
        // recv(): one call returns exactly one datagram, never half of one
        // and never two. The socket is connected: only the peer's arrive.
        let call = chat.n.enter("recv", "", chat.ends);
        let result = sock.recv(&mut buf);
        let show = admit(chat, &mut flood);
        let n = if show { &chat.n } else { &chat.hidden };
        let end = chat.screen.above_prompt(|| match result {
            Ok(0) if chat.leaving.load(Ordering::SeqCst) => {
                chat.n.done(call, chat.ends, "0 bytes: we stopped reading (SHUT_RD)");
                Some(Event::Stopped)
            }
            Ok(len) => {
                n.done_data(call, chat.ends, format!("{len} bytes"), &buf[..len]);
                match show_message(chat, n, show, &buf[..len]) {
                    Some(Kind::Bye) => {
                        chat.n.output("-- peer left: it sent a goodbye datagram. UDP itself would never tell you: with no connection, a peer that left and a peer that is silent look the same");
                        Some(Event::PeerLeft)
                    }
                    _ => None,
                }
            }
            Err(error) if error.kind() == io::ErrorKind::ConnectionRefused => {
                nobody_there(chat, call);
                None
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {
                chat.n.failed(call, &error);
                None
            }
            Err(error) => {
                chat.n.failed(call, &error);
                Some(Event::Failed(NetError::Transfer {
                    call: "recv",
                    peer: chat.peer,
                    error,
                }))
            }
        });
        if let Some(end) = end {
            return end;
        }
    }
}

/// Show this call's messages, or hide them during a flood? Says so once a
/// second when some were hidden.
fn admit(chat: &Chat, flood: &mut FloodGuard) -> bool {
    let admit = flood.admit(Instant::now());
    if admit.hidden_before > 0 {
        chat.screen.above_prompt(|| {
            chat.n.output(format!(
                "-- {} messages not shown (more than {} a second); the counters include them",
                admit.hidden_before,
                chat.show_limit.unwrap_or(0)
            ));
        });
    }
    admit.show
}

/// Parse one message, check its number, print it. Returns its kind if it
/// is a new message (not a copy).
fn show_message(chat: &Chat, n: &Narrator, show: bool, bytes: &[u8]) -> Option<Kind> {
    let message = match Message::parse(bytes) {
        Ok(message) => message,
        Err(why) => {
            if show {
                n.output(format!("-- not a chat message ({why}): {}", escape(bytes)));
            }
            return None;
        }
    };
    let Ok(mut seen) = chat.seen.lock() else {
        return None;
    };
    let first_gap = seen.counts().lost == 0 && seen.counts().reordered == 0;
    let verdict = match message.kind {
        Kind::Msg => seen.observe(message.seq),
        Kind::Bye => seen.observe_goodbye(message.seq),
    };
    drop(seen);
    if show {
        if let Some(note) = verdict.note() {
            n.output(format!("-- {note}"));
        }
        if first_gap && matches!(verdict, Verdict::Gap { .. } | Verdict::Late { .. }) {
            n.explain("UDP does not number, acknowledge or retransmit datagrams: only our own sequence numbers show what the network lost or reordered");
        }
        if message.kind == Kind::Msg && verdict.is_new() {
            n.output(message.display_line());
        }
    }
    verdict.is_new().then_some(message.kind)
}

/// The keyboard thread: one line at a time, to the main thread.
fn read_keyboard(events: Sender<Event>) {
    // LineReader cuts what we read into lines, and skips a line over 64 KiB
    // instead of filling memory (a binary file piped in by mistake).
    let mut lines = LineReader::new(io::stdin());
    loop {
        let event = match lines.read_line() {
            Ok(LineRead::Line(line)) => Event::Typed(line),
            Ok(LineRead::EofMidLine(line)) => {
                let _ = events.send(Event::Typed(line));
                Event::EndOfInput
            }
            Ok(LineRead::TooLong) => Event::TooLong,
            Ok(LineRead::Eof) | Err(_) => Event::EndOfInput,
        };
        let last = matches!(event, Event::EndOfInput);
        if events.send(event).is_err() || last {
            return;
        }
    }
}

/// `--proto` and the role must agree; a usage error (exit 2) if not.
fn role(args: &Args) -> Role {
    let fail = |msg: &str| -> ! {
        Args::command()
            .error(clap::error::ErrorKind::ArgumentConflict, msg)
            .exit()
    };
    match (args.proto, args.listen, &args.connect, &args.peer) {
        (Proto::Tcp, true, _, _) => Role::Listen,
        (Proto::Tcp, _, Some(peer), _) => Role::Connect(peer.clone()),
        (Proto::Udp, _, _, Some(peer)) => Role::Peer(peer.clone()),
        (Proto::Tcp, ..) => fail("over TCP one side waits (--listen) and the other calls (--connect PEER_IP); --peer is for UDP"),
        (Proto::Udp, ..) => fail("over UDP there is no listener and no caller: both sides use --peer PEER_IP"),
    }
}

/// The name when `--name` is not given: `$USER`, if it is a valid name.
fn default_name() -> String {
    std::env::var("USER")
        .ok()
        .and_then(|user| chat::parse_name(&user).ok())
        .unwrap_or_else(|| "anonymous".into())
}
