#![forbid(unsafe_code)]
//! tcp_server: a TCP server that narrates every socket call it makes.
//!
//! Read it top to bottom: it makes the calls of the classic listing in order,
//! `socket()` → `setsockopt()` → `bind()` → `listen()` → `accept()` →
//! `recv()`/`send()` → `close()`, each one printed as it returns.
//!
//! Messages are lines: a client sends `hello\n` and, in the default echo
//! mode, gets `hello\n` back. A client line `off` stops the server.

use std::io::{self, Read};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, ValueEnum};
use socket2::{Domain, Socket, Type};

use socklab::cli::{self, CommonArgs};
use socklab::narrate::{escape, gbit_per_s, human_bytes, Ends, Narrator};
use socklab::net::{self, LineFramer, LineRead, NetError};

const PROG: &str = "tcp_server";
/// How many bytes one recv() may return in the line modes.
const RECV_BUFFER: usize = 64 * 1024;
/// The same for `--mode sink`: bigger, so that a bulk transfer
/// (`tcp_client --bytes`) needs fewer calls.
const SINK_BUFFER: usize = 256 * 1024;
/// The line that stops the server.
const OFF: &[u8] = b"off";
/// The answer in `--mode ack`.
const ACK: &[u8] = b"message received\n";
/// The answer to `off`.
const GOODBYE: &[u8] = b"goodbye: server stopping\n";

const EXAMPLES: &str = "\
Examples:
  tcp_server --mode ack --once        answer one client on 127.0.0.1:5000, then exit
  tcp_server --host ::1 --port 0      IPv6; the kernel picks a free port (see `listening on`)
  tcp_server --mode sink --quiet      receive `tcp_client --bytes 1G` and report the throughput";

/// A TCP server that narrates every socket call: socket, bind, listen, accept, recv, send, close.
#[derive(Parser)]
#[command(version, after_help = EXAMPLES)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,

    /// Port to listen on; 0 lets the kernel choose one (printed as `listening on ADDRESS`)
    #[arg(long, default_value_t = net::DEFAULT_TCP_PORT)]
    port: u16,

    /// What to do with each line a client sends
    #[arg(long, value_enum, default_value_t = Mode::Echo)]
    mode: Mode,

    /// How many finished handshakes the kernel queues for accept() (listen's backlog)
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(i32).range(1..))]
    backlog: i32,

    /// Serve one client, then exit (like the classic listing); default: keep accepting
    #[arg(long)]
    once: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// Send each line back
    Echo,
    /// Answer each line with `message received`
    Ack,
    /// Only print each line
    Print,
    /// Read and discard everything, then report bytes and throughput (for `tcp_client --bytes`)
    Sink,
}

fn main() -> ExitCode {
    cli::run_main(PROG, run)
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let n = args.common.narrator(PROG);

    // getaddrinfo(): turn --host into addresses. A name may have several
    // (IPv4 and IPv6); a server listens on one of them: the first.
    let addrs = n.resolve(&args.common.host, args.port)?;
    let addr = addrs[0];
    if addrs.len() > 1 {
        n.explain(format!(
            "{} addresses found: listening on the first, {addr}",
            addrs.len()
        ));
    }

    // socket(): ask the kernel for a new TCP endpoint (SOCK_STREAM).
    // Nothing goes on the wire yet; it is just a file descriptor.
    let what = format!("{}, SOCK_STREAM", net::family_name(&addr));
    let listener = n
        .call(
            "socket",
            &what,
            Ends::NONE,
            Socket::new(Domain::for_address(addr), Type::STREAM, None),
        )
        .map_err(|error| NetError::Socket { what, error })?;

    // setsockopt(SO_REUSEADDR): when a server stops, its closed connections
    // stay in TIME-WAIT for a minute or so. Without this option, bind()
    // would fail with "address already in use" until they are gone, and a
    // restarted server could not get its port back.
    n.call(
        "setsockopt",
        "SO_REUSEADDR, 1",
        Ends::NONE,
        listener.set_reuse_address(true),
    )
    .context("setsockopt(SO_REUSEADDR)")?;

    // bind(): claim the address and port. Port 0 asks the kernel for any
    // free port; getsockname() tells us which one we got.
    n.call("bind", addr, Ends::local(addr), listener.bind(&addr.into()))
        .map_err(|error| NetError::Bind { addr, error })?;
    let local = listener
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .unwrap_or(addr);

    // listen(): make it a listening socket. From now on the kernel answers
    // clients' handshakes by itself and queues up to `backlog` finished
    // connections until accept() takes them.
    n.call(
        "listen",
        format!("backlog={}", args.backlog),
        Ends::local(local),
        listener.listen(args.backlog),
    )
    .map_err(|error| NetError::Listen { addr: local, error })?;
    n.output(format!("listening on {local}"));

    let stop = Arc::new(Stop::new(local));
    let mut clients: u64 = 0;
    loop {
        // accept(): wait for a client. It returns when a three-way handshake
        // has completed, with a NEW socket for that one client; `listener`
        // itself goes on listening for the next one.
        let call = n.enter("accept", "", Ends::local(local));
        let (conn, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(error) => {
                // E.g. too many open files: the clients we have keep being served.
                n.failed(call, &error);
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let ends = Ends::of(&conn);
        if stop.requested() {
            n.done(
                call,
                ends,
                "a connection, but a client sent `off`: stopping",
            );
            close(&n, conn, ends);
            break;
        }
        clients += 1;
        let peer = peer
            .as_socket()
            .map_or_else(|| "an unknown address".into(), |p| p.to_string());
        n.done(
            call,
            ends,
            format!("new socket for {peer} (client {clients})"),
        );
        let client = n.tagged(format!("client {clients}"));

        if args.once {
            // --once: this is our only client, so close the listening socket
            // now: anyone else who connects is refused (RST) instead of
            // waiting in the queue for an accept() that will never come.
            close(&n, listener, Ends::local(local));
            serve(&client, conn, ends, args.mode);
            n.output("served one client (--once): exiting");
            return Ok(());
        }

        // One thread per client: each thread blocks in its own recv() while
        // the others go on. Simple and readable; a server for many thousands
        // of clients would use non-blocking sockets and epoll instead.
        let mode = args.mode;
        let stop = Arc::clone(&stop);
        let spawned = thread::Builder::new()
            .name(format!("client {clients}"))
            .spawn(move || {
                if serve(&client, conn, ends, mode) == End::Off {
                    stop.request(&client);
                }
            });
        if let Err(error) = spawned {
            // The closure, and with it the client's socket, is dropped: closed.
            n.warn(format!(
                "cannot start a thread for client {clients}: {error}; its connection is closed"
            ));
        }
    }

    // close() the listening socket: new connections are refused from now on.
    // Clients still connected are closed by the kernel when the process exits.
    close(&n, listener, Ends::local(local));
    n.output("server stopped: a client sent `off`");
    Ok(())
}

/// How a client's conversation ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// The client closed its side (recv() returned 0).
    Closed,
    /// The connection failed (reset) or a reply could not be sent.
    Failed,
    /// The client sent `off`: stop the whole server.
    Off,
}

/// Serve one client until it closes, resets or says `off`, then close().
fn serve(n: &Narrator, conn: Socket, ends: Ends, mode: Mode) -> End {
    let end = if mode == Mode::Sink {
        sink(n, &conn, ends, &mut vec![0; SINK_BUFFER])
    } else {
        serve_lines(n, &conn, ends, mode, &mut vec![0; RECV_BUFFER])
    };
    close(n, conn, ends);
    end
}

/// The line modes: echo, ack, print.
fn serve_lines(n: &Narrator, conn: &Socket, ends: Ends, mode: Mode, buf: &mut [u8]) -> End {
    // TCP is a byte stream, not a sequence of messages: one recv() may return
    // half a line, or three lines at once. So we agree with the client that
    // a message ends with '\n' (framing), and the framer collects bytes until
    // it has whole lines.
    let mut lines = LineFramer::new();
    loop {
        // recv(): wait until the client has sent something, and take what
        // has arrived (at most buf.len() bytes). socket2's `read` is
        // recv(fd, buf, len, 0) on a plain byte buffer.
        let call = n.enter("recv", "", ends);
        let got = match (&*conn).read(buf) {
            Ok(0) => {
                // 0 bytes is not "nothing yet" (recv() would have waited):
                // it is the end of the stream. The client sent its FIN and
                // will send nothing more.
                n.done(call, ends, "0 bytes: peer closed its side (FIN received)");
                if let LineRead::EofMidLine(partial) = lines.finish() {
                    n.explain(format!(
                        "the stream ended in the middle of a line: {} bytes without a newline, dropped: {}",
                        partial.len(),
                        n.quote(&partial)
                    ));
                }
                return End::Closed;
            }
            Ok(got) => {
                n.done_data(call, ends, format!("{got} bytes"), &buf[..got]);
                got
            }
            Err(error) => {
                // Typically "connection reset by peer": the client aborted
                // (RST). This client is gone; the others are not affected.
                n.failed(call, &error);
                n.explain("this client is gone; the server goes on serving the others");
                return End::Failed;
            }
        };

        for line in lines.push(&buf[..got]) {
            let reply: Vec<u8> = match line {
                LineRead::Line(line) if line.trim_ascii() == OFF => {
                    n.explain("`off`: say goodbye, then stop the whole server");
                    let _ = send_all(n, conn, ends, GOODBYE);
                    return End::Off;
                }
                LineRead::Line(line) => match mode {
                    Mode::Echo => [line.as_slice(), b"\n"].concat(),
                    Mode::Ack => ACK.to_vec(),
                    Mode::Print | Mode::Sink => {
                        n.output(escape(&line));
                        continue;
                    }
                },
                LineRead::TooLong => {
                    n.explain(format!(
                        "a line longer than {} bytes: rejected, and skipped up to its newline",
                        net::MAX_LINE
                    ));
                    format!("error: line longer than {} bytes, ignored\n", net::MAX_LINE)
                        .into_bytes()
                }
                LineRead::Eof | LineRead::EofMidLine(_) => continue, // only finish() returns these
            };
            if send_all(n, conn, ends, &reply).is_err() {
                n.explain("this client is gone; the server goes on serving the others");
                return End::Failed;
            }
        }
    }
}

/// `--mode sink`: read everything as fast as possible, then report.
///
/// One narration line per recv() would mean tens of thousands of lines and
/// would slow the transfer down: the loop is narrated as one summary line.
fn sink(n: &Narrator, conn: &Socket, ends: Ends, buf: &mut [u8]) -> End {
    let start = Instant::now();
    let (mut total, mut calls) = (0u64, 0u64);
    let call = n.enter("recv", "", ends);
    let ended = loop {
        calls += 1;
        match (&*conn).read(buf) {
            Ok(0) => break Ok(()),
            Ok(got) => total += got as u64,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => break Err(error),
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    match &ended {
        Ok(()) => n.done_repeated(
            call,
            calls,
            ends,
            format!("{total} bytes, the last call 0 bytes: peer closed its side (FIN received)"),
        ),
        Err(error) => n.done_repeated(
            call,
            calls,
            ends,
            format!(
                "{total} bytes, the last call error: {}",
                net::describe(error)
            ),
        ),
    }
    n.output(format!(
        "received {total} bytes ({}) in {seconds:.3} s: {:.2} Gbit/s",
        human_bytes(total),
        gbit_per_s(total, seconds)
    ));
    if ended.is_err() {
        return End::Failed;
    }
    // The client only half-closed (shutdown(SHUT_WR)), so it can still hear
    // us: tell it how much arrived, so it can check that nothing was lost.
    match send_all(
        n,
        conn,
        ends,
        format!("sink received {total} bytes\n").as_bytes(),
    ) {
        Ok(()) => End::Closed,
        Err(_) => End::Failed,
    }
}

/// send() until every byte is gone: send() may take fewer bytes than
/// offered when the socket's send buffer is full.
fn send_all(n: &Narrator, conn: &Socket, ends: Ends, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        let call = n.enter("send", n.quote(bytes), ends);
        match conn.send(bytes) {
            Ok(sent) => {
                n.done(call, ends, format!("{sent} bytes"));
                bytes = &bytes[sent..];
            }
            Err(error) => {
                n.failed(call, &error);
                return Err(error);
            }
        }
    }
    Ok(())
}

/// close(): give the socket back to the kernel (in Rust: drop it). On a
/// connection this sends our FIN; on the listening socket it stops accepting.
fn close(n: &Narrator, sock: Socket, ends: Ends) {
    let call = n.enter("close", "", ends);
    drop(sock);
    n.done(call, ends, "");
}

/// How a client's `off` stops the whole server.
///
/// The main thread is blocked in accept(), and only a new connection wakes
/// it up. So the client's thread sets a flag, then connects to our own
/// listening socket: accept() returns, the main thread sees the flag, and
/// stops.
struct Stop {
    requested: AtomicBool,
    listening: SocketAddr,
}

impl Stop {
    fn new(listening: SocketAddr) -> Stop {
        Stop {
            requested: AtomicBool::new(false),
            listening,
        }
    }

    fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    fn request(&self, n: &Narrator) {
        self.requested.store(true, Ordering::SeqCst);
        // Listening on every address (0.0.0.0 or ::)? Then loopback reaches us.
        let mut target = self.listening;
        if target.ip().is_unspecified() {
            target.set_ip(match target {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        n.explain(format!(
            "waking the main thread's accept() by connecting to {target}"
        ));
        let family = net::family_name(&target);
        let woken = n
            .call(
                "socket",
                format!("{family}, SOCK_STREAM"),
                Ends::NONE,
                Socket::new(Domain::for_address(target), Type::STREAM, None),
            )
            .and_then(|sock| {
                let call = n.enter("connect", target, Ends::peer(target));
                let connected = sock.connect(&target.into());
                let ends = Ends::of(&sock);
                n.finish(call, ends, connected)?;
                close(n, sock, ends);
                Ok(())
            });
        if let Err(error) = woken {
            // Cannot wake accept(): stop the process from here instead.
            n.warn(format!(
                "cannot wake the accepting thread ({error}); exiting"
            ));
            std::process::exit(0);
        }
    }
}
