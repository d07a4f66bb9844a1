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
//! Then the conversation (`converse()`): a person types and reads at the
//! same time, so one thread `recv()`s and prints what arrives while the
//! main thread `send()`s each line typed (a third only reads the keyboard).
//! How a message is sent and received, and how a side leaves, differs by
//! protocol: the TCP conversation (a byte stream, `shutdown(SHUT_WR)` to
//! leave), then the UDP one (datagrams, a goodbye datagram), each in one
//! piece below.
//!
//! Every message carries the sender's name, the time and a sequence number
//! (`src/chat/mod.rs`, `docs/protocol.md`): over UDP the numbers reveal what
//! the network lost, reordered or duplicated; over TCP never, and the final
//! report says why. The terminal's side (the prompt, a flood) is in
//! `src/chat/screen.rs`, out of the way.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr};
use std::os::fd::AsRawFd;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use anyhow::Context;

use socklab::chat::args::{self, Args, Role};
use socklab::chat::{self, screen, Event, Inbox, Kind, Message, Report, Screen};
use socklab::cli;
use socklab::events;
use socklab::lab::{
    self, Datagram, Endpoint, Held, Recv, Sent, TcpSocket, UdpSocket, SOCK_DGRAM, SOCK_STREAM,
};
use socklab::narrate::{escape, Narrator};
use socklab::net::{self, End, Line, LineFramer, NetError};
use socklab::t;

const PROG: &str = "chat";
/// Big enough for the largest UDP datagram, and a good gulp of a TCP stream.
const RECV_BUFFER: usize = 64 * 1024;
/// After our FIN, how long to wait for the peer's before closing anyway.
const LEAVE_WAIT: Duration = Duration::from_secs(5);
/// Bytes of an Ethernet frame's payload (the MTU of a lab network).
const ETHERNET_MTU: usize = 1500;

fn main() -> ExitCode {
    cli::run_main(PROG, run)
}

fn run() -> anyhow::Result<()> {
    let args: Args = cli::parse(PROG);
    let role = args::role(&args);
    let name = args.name.clone().unwrap_or_else(chat::default_name);
    // Every line is printed above the prompt (`alice> `) on a terminal.
    let screen = Arc::new(Screen::for_terminal(&name));
    let narrator = Narrator::with_prompt(PROG, args.quiet, args.color.apply(), screen.clone());
    lab::start(narrator);
    let inbox = Inbox::new(screen::show_limit(args.show_limit, screen.has_prompt()));
    let (host, port) = (args.host.as_deref(), args.port);
    match role {
        Role::Listen => converse(listen_for_peer(host, port)?, name, screen, inbox),
        Role::Connect(peer) => converse(connect_to_peer(&peer, port)?, name, screen, inbox),
        Role::Peer(peer) => {
            let sock = open_udp(host, port, &peer, args.peer_port.unwrap_or(port))?;
            converse(sock, name, screen, inbox)
        }
    }
}

/// TCP, the side that waits: socket, bind, listen, accept.
fn listen_for_peer(host: Option<&str>, port: u16) -> anyhow::Result<TcpSocket> {
    // getaddrinfo(): our own address. By default 0.0.0.0, "every IPv4
    // address of this computer", so that the other computer can reach us
    // through the lab network (127.0.0.1 would only be reachable from here).
    let addr = lab::resolve(host.unwrap_or("0.0.0.0"), port)?[0];

    // socket(): a TCP endpoint (SOCK_STREAM). Nothing on the wire yet.
    let listener = lab::socket(addr, SOCK_STREAM)?;

    // setsockopt(SO_REUSEADDR): so that a chat restarted at once can bind
    // the port again while the last connection lingers in TIME-WAIT.
    listener.setsockopt_reuseaddr()?;

    // bind(): claim the address and port the other computer will call.
    listener.bind(addr)?;

    // listen(): from now on the kernel answers a caller's handshake by
    // itself. A chat has one peer: a backlog of 1 is enough.
    listener.listen(1)?;
    lab::output(t!(
        "chat-listening",
        addr = listener.getsockname().to_string()
    ));

    // accept(): wait for the other computer. It returns once the three-way
    // handshake is complete, with a NEW socket for this one conversation.
    let conn = listener.accept()?.new_socket();

    // close() the listening socket: one peer is all a chat has. Anyone else
    // who calls now is refused (RST), instead of waiting forever in the queue.
    listener.close();
    Ok(conn)
}

/// TCP, the side that calls: socket, connect.
fn connect_to_peer(peer: &str, port: u16) -> anyhow::Result<TcpSocket> {
    // getaddrinfo(): the other computer's address(es).
    let addrs = lab::resolve(peer, port)?;
    let mut failure = None;
    for &addr in &addrs {
        // socket(): a TCP endpoint. Nothing on the wire yet.
        let sock = lab::socket(addr, SOCK_STREAM)?;

        // connect(): the three-way handshake, SYN → SYN-ACK → ACK. No
        // bind(): the kernel picks our address and a free port.
        match sock.connect(addr) {
            Ok(()) => return Ok(sock),
            Err(error) => failure = Some(error),
        }
    }
    match failure {
        // The other computer answered our SYN with an RST: it is there, but
        // no program listens on that port.
        Some(NetError::Connect { addr, error })
            if error.kind() == io::ErrorKind::ConnectionRefused =>
        {
            anyhow::bail!(t!(
                "chat-refused",
                addr = addr.to_string(),
                port = addr.port()
            ))
        }
        Some(error) => Err(error.into()),
        None => anyhow::bail!(t!("lab-no-address")),
    }
}

/// UDP, both sides: socket, bind, connect.
fn open_udp(
    host: Option<&str>,
    port: u16,
    peer: &str,
    peer_port: u16,
) -> anyhow::Result<UdpSocket> {
    // getaddrinfo(): the other computer's address; datagrams go to the first.
    let peer = lab::resolve(peer, peer_port)?[0];
    // Our own address: --host, or every address of the peer's family.
    let local = match host {
        Some(host) => lab::resolve(host, port)?
            .into_iter()
            .find(|a| a.is_ipv4() == peer.is_ipv4())
            .with_context(|| t!("chat-host-family", host = host, peer = peer.to_string()))?,
        None if peer.is_ipv4() => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
        None => SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port),
    };

    // socket(): a UDP endpoint (SOCK_DGRAM).
    let sock = lab::socket(peer, SOCK_DGRAM)?;

    // bind(): claim our port: the peer sends its datagrams there. There is
    // no listen() and no accept(): both sides are alike.
    sock.bind(local)?;

    // connect() on UDP: nothing goes on the wire, there is no handshake.
    // The kernel only remembers the peer: send() needs no address, recv()
    // returns only the peer's datagrams, and an ICMP "port unreachable"
    // about our datagrams comes back to us as ECONNREFUSED.
    sock.connect(peer)?;
    lab::explain(t!("chat-udp-connect"));
    Ok(sock)
}

/// The conversation: two threads feed the main thread, which sends.
fn converse<L: Link>(
    link: L,
    name: String,
    screen: Arc<Screen>,
    inbox: Inbox,
) -> anyhow::Result<()> {
    let peer = link.peer().with_context(|| t!("chat-no-peer"))?;
    lab::output(t!(
        "chat-chatting",
        peer = peer.to_string(),
        proto = L::PROTO,
        name = name.as_str()
    ));
    let chat = Arc::new(Chat {
        link,
        peer,
        name,
        screen,
        inbox,
        leaving: AtomicBool::new(false),
    });
    let (events, inbox) = mpsc::channel();

    // Ctrl-C (or `kill`) leaves like /quit, so that the peer is told.
    chat::on_interrupt(events.clone());

    // The receiving thread: recv() and print, until the peer leaves.
    let receiver = {
        let chat = Arc::clone(&chat);
        let events = events.clone();
        thread::spawn(move || {
            let _ = events.send(chat.link.receive(&chat));
        })
    };

    // The keyboard thread: only reads lines, so that the main thread is
    // never stuck waiting for someone to type.
    thread::spawn(move || chat::read_keyboard(events));

    // The main thread sends each line typed, until someone leaves.
    chat.screen.start();
    let mut sent = 0u64;
    let mut failure = None;
    let peer_left = loop {
        match inbox.recv() {
            Ok(Event::Typed(line)) if line.trim_ascii() == chat::QUIT.as_bytes() => break false,
            Ok(Event::Typed(line)) if line.is_empty() => chat.screen.redraw(),
            Ok(Event::Typed(line)) => match chat.send(Kind::Msg, sent + 1, &line) {
                Ok(true) => sent += 1,
                Ok(false) => {}
                Err(error) => {
                    failure = Some(error);
                    break true;
                }
            },
            Ok(Event::TooLong) => lab::warn(t!("chat-typed-too-long", max = net::MAX_LINE)),
            Ok(Event::EndOfInput | Event::Interrupted) | Err(_) => break false,
            Ok(Event::PeerLeft | Event::Stopped) => break true,
            Ok(Event::Failed(error)) => {
                failure = Some(error);
                break true;
            }
        }
    };

    // From here on nobody types: no more prompt.
    chat.screen.finish();
    // We leave: tell the peer (how depends on the protocol, below).
    let receiving = !peer_left && !chat.link.leave(&chat, &inbox, sent + 1);
    if receiving {
        // shutdown(SHUT_RD): we will read no more. This also wakes our own
        // receiving thread, blocked in recv(), which then returns 0.
        // (stdout is held meanwhile, so that this call is printed before
        // what the woken thread prints.)
        chat.leaving.store(true, Ordering::SeqCst);
        lab::together(|| chat.link.shutdown(Shutdown::Read).ok());
    }
    let _ = receiver.join();

    let report = Report {
        sent,
        counts: chat.inbox.counts(),
    };
    let retransmitted = chat.link.retransmitted();
    // close(): on TCP, our FIN if shutdown() has not sent it yet; on UDP,
    // nothing on the wire. The receiving thread is gone, so ours is the
    // last reference to the socket.
    if let Some(chat) = Arc::into_inner(chat) {
        chat.link.close();
    }
    chat::print_report(&report, L::PROTO == "UDP", retransmitted);
    match failure {
        Some(error) => Err(error.into()),
        None => Ok(()),
    }
}

/// Everything the threads of the conversation share.
struct Chat<L> {
    link: L,
    peer: SocketAddr,
    name: String,
    screen: Arc<Screen>,
    /// What arrives: the peer's sequence numbers, how much of a flood is shown.
    inbox: Inbox,
    /// Set before we stop our own receiving thread.
    leaving: AtomicBool,
}

impl<L: Link> Chat<L> {
    /// Send one message: our name, the time and its number with it.
    fn send(&self, kind: Kind, seq: u64, text: &[u8]) -> Result<bool, NetError> {
        let time_ms = events::now().as_millis() as u64;
        let message = Message::new(kind, seq, time_ms, &self.name, text).encode();
        // stdout is held meanwhile: what the receiving thread prints (an
        // ICMP error this very datagram caused) comes after our send() line.
        lab::together(|| self.link.send_message(self, kind, &message))
    }
}

/// What the TCP and the UDP conversation each do in their own way.
trait Link: Endpoint + Send + Sync + Sized + 'static {
    /// `TCP` or `UDP`.
    const PROTO: &'static str;
    /// Send one message. `Ok(false)`: it could not go, and the chat goes on.
    fn send_message(&self, chat: &Chat<Self>, kind: Kind, msg: &[u8]) -> Result<bool, NetError>;
    /// The receiving thread: recv() and show, until the peer leaves.
    fn receive(&self, chat: &Chat<Self>) -> Event;
    /// We leave: tell the peer. True if the receiving thread has ended since.
    fn leave(&self, chat: &Chat<Self>, inbox: &Receiver<Event>, seq: u64) -> bool;
    /// How many segments the kernel had to send again, where it says.
    fn retransmitted(&self) -> Option<u32> {
        None
    }
}

// ---- TCP: one connection, a byte stream ------------------------------------

impl Link for TcpSocket {
    const PROTO: &'static str = "TCP";

    /// One message, one line: TCP carries bytes, not messages, so the '\n'
    /// marks where this message ends.
    fn send_message(&self, _chat: &Chat<Self>, _kind: Kind, msg: &[u8]) -> Result<bool, NetError> {
        if msg.len() > net::MAX_LINE {
            lab::warn(t!("chat-message-too-long", max = net::MAX_LINE));
            return Ok(false);
        }
        // send() until every byte is gone: send() may take fewer bytes than
        // offered when the send buffer is full.
        self.send_all(&[msg, b"\n"].concat())?;
        Ok(true)
    }

    /// recv() until the peer closes; cut the byte stream into lines.
    fn receive(&self, chat: &Chat<Self>) -> Event {
        let mut buf = vec![0u8; RECV_BUFFER];
        let mut lines = LineFramer::new();
        loop {
            // During a flood, what arrives is counted but not shown. Once it
            // has arrived, stdout is held until it is shown (`recv_held`),
            // so that the main thread's lines do not come between.
            match self.recv_held(&mut buf, || chat.inbox.admit()) {
                Ok(Held {
                    got: Recv::Data(bytes),
                    shown,
                    ..
                }) => {
                    for line in lines.push(bytes) {
                        match line {
                            Line::Text(line) => {
                                chat.inbox.show(&line, shown);
                            }
                            Line::TooLong => {
                                lab::output(t!("chat-received-too-long", max = net::MAX_LINE))
                            }
                        }
                    }
                }
                // 0 bytes: not "nothing yet" (recv() would have waited) but
                // the end of the stream: our own SHUT_RD, or the peer's FIN.
                Ok(Held {
                    got: Recv::Closed, ..
                }) if chat.leaving.load(Ordering::SeqCst) => return Event::Stopped,
                Ok(Held {
                    got: Recv::Closed, ..
                }) => {
                    if let End::MidLine(partial) = lines.finish() {
                        lab::output(t!("chat-left-mid-line", partial = escape(&partial)));
                    }
                    lab::output(t!("chat-left-fin"));
                    return Event::PeerLeft;
                }
                Ok(Held {
                    got: Recv::TimedOut,
                    ..
                }) => {} // no SO_RCVTIMEO: recv() waits as long as it takes
                // "Connection reset by peer": it aborted (RST).
                Ok(Held {
                    got: Recv::Reset, ..
                }) => return Event::Failed(self.reset_error("recv")),
                Err(error) => return Event::Failed(error),
            }
        }
    }

    /// shutdown(SHUT_WR): our FIN. The peer's recv() returns 0 and it knows
    /// we left. We can still receive: we wait for its FIN too, so that
    /// nothing it sent meanwhile is lost.
    fn leave(&self, _chat: &Chat<Self>, inbox: &Receiver<Event>, _seq: u64) -> bool {
        // (stdout is held meanwhile: the peer's FIN, its answer, is printed after.)
        let _ = lab::together(|| self.shutdown(Shutdown::Write));
        chat::wait_for_peer(inbox, LEAVE_WAIT)
    }

    /// The kernel's own count (TCP_INFO, Linux).
    fn retransmitted(&self) -> Option<u32> {
        socklab::sys::tcp_total_retrans(self.as_raw_fd()).ok()
    }
}

// ---- UDP: separate datagrams, no connection --------------------------------

impl Link for UdpSocket {
    const PROTO: &'static str = "UDP";

    /// One message, one datagram, without a newline: UDP keeps message
    /// boundaries.
    fn send_message(&self, chat: &Chat<Self>, kind: Kind, msg: &[u8]) -> Result<bool, NetError> {
        // Whole or not at all: refuse what no datagram can carry, before
        // sending anything.
        if let Err(too_big) = net::check_datagram(msg.len(), &chat.peer) {
            lab::warn(t!("chat-not-sent-warning", why = too_big.to_string()));
            return Ok(false);
        }
        let ip_header = if chat.peer.is_ipv4() { 20 } else { 40 };
        if msg.len() + ip_header + 8 > ETHERNET_MTU {
            lab::explain(t!("chat-fragments", n = msg.len(), mtu = ETHERNET_MTU));
        }
        // send(): no address needed, the socket is connected. It returns
        // when the kernel has taken the datagram, not when it arrives: UDP
        // never tells whether it did.
        match self.send(msg) {
            Ok(Sent::Bytes(_)) => {
                if kind == Kind::Bye {
                    lab::explain(t!("chat-goodbye-sent"));
                }
                Ok(true)
            }
            Ok(Sent::Refused) => {
                chat.inbox.nobody_there(chat.peer);
                Ok(false)
            }
            Err(error) => {
                let why = error
                    .io_error()
                    .map_or_else(|| error.to_string(), net::describe);
                lab::output(t!("chat-not-sent", why = why));
                Ok(false)
            }
        }
    }

    /// recv() one datagram at a time, until the peer's goodbye.
    fn receive(&self, chat: &Chat<Self>) -> Event {
        let mut buf = vec![0u8; RECV_BUFFER];
        loop {
            // recv(): one call returns exactly one datagram, never half of
            // one and never two. The socket is connected: only the peer's
            // arrive. During a flood they are counted but not shown; stdout
            // is held from its arrival until it is shown, as over TCP.
            let received = self.recv_held(&mut buf, || chat.inbox.admit());
            match received {
                Ok(Held {
                    got: Datagram::Data(message),
                    shown,
                    ..
                }) => {
                    if chat.inbox.show(message, shown) == Some(Kind::Bye) {
                        lab::output(t!("chat-left-bye"));
                        return Event::PeerLeft;
                    }
                }
                Ok(Held {
                    got: Datagram::Refused,
                    ..
                }) => chat.inbox.nobody_there(chat.peer),
                Ok(Held {
                    got: Datagram::Stopped,
                    ..
                }) => return Event::Stopped,
                Err(error) => return Event::Failed(error),
            }
        }
    }

    /// A goodbye datagram: UDP has no connection, so no FIN. If this
    /// datagram is lost, the peer will never know we left.
    fn leave(&self, chat: &Chat<Self>, _inbox: &Receiver<Event>, seq: u64) -> bool {
        let _ = chat.send(Kind::Bye, seq, b"");
        false
    }
}
