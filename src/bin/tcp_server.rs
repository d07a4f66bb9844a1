#![forbid(unsafe_code)]
//! tcp_server: a TCP server that narrates every socket call it makes.
//!
//! Read it top to bottom: `run()` makes the calls of the classic listing in
//! order, `socket()` → `setsockopt()` → `bind()` → `listen()` → `accept()`,
//! then `serve_lines()` the `recv()`/`send()` of one client and `close()`,
//! each printed as it returns. Messages are lines: a client sends `hello\n`
//! and, in the default echo mode, gets `hello\n` back; a line `off` stops
//! the server. What the listing leaves out is at the end of the file.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};

use socklab::cli::{self, CommonArgs};
use socklab::events::Outcome;
use socklab::lab::{self, AddressUse, Moved, Places, Recv, TcpSocket, SOCK_STREAM};
use socklab::narrate::escape;
use socklab::net::{self, End, Line, LineFramer};
use socklab::t;

fn run(args: Args) -> anyhow::Result<()> {
    // getaddrinfo(): turn --host into addresses. A name may have several
    // (IPv4 and IPv6); a server listens on one of them: the first.
    let addr = lab::first_address(&args.common.host, args.port, AddressUse::ListenOn)?;

    // socket(): ask the kernel for a new TCP endpoint (SOCK_STREAM).
    // Nothing goes on the wire yet; it is just a file descriptor.
    let listener = lab::socket(addr, SOCK_STREAM)?;

    // setsockopt(SO_REUSEADDR): when a server stops, its closed connections
    // stay in TIME-WAIT for a minute or so. Without this option, bind()
    // would fail with "address already in use" until they are gone, and a
    // restarted server could not get its port back.
    listener.setsockopt_reuseaddr()?;

    // bind(): claim the address and port. Port 0 asks the kernel for any
    // free port; getsockname() tells us which one we got.
    listener.bind(addr)?;
    let local = listener.getsockname();

    // listen(): make it a listening socket. From now on the kernel answers
    // clients' handshakes by itself and queues up to `backlog` finished
    // connections until accept() takes them.
    listener.listen(args.backlog)?;
    let places = Places::new(args.max_clients as usize); // beyond the listing: a cap on clients
    lab::output(t!("lab-listening", addr = local.to_string()));

    let stop = Arc::new(Stop::default());
    let mut clients: u64 = 0;
    loop {
        // accept(): wait for a client. It returns when a three-way handshake
        // has completed, with a NEW socket for that one client; `listener`
        // itself goes on listening for the next one.
        let Ok(accepted) = listener.accept() else {
            // E.g. too many open files: the clients we have keep being served.
            thread::sleep(Duration::from_millis(100));
            continue;
        };
        if stop.requested() {
            accepted.returned(Outcome::AcceptOff).close();
            break;
        }
        let Some(place) = places.take() else {
            places.refuse(accepted); // one line saying why, then close()
            continue;
        };
        clients += 1;
        let peer = accepted.peer;
        let conn = accepted.returned(Outcome::NewClient { peer, n: clients });
        let tag = t!("lab-client-tag", n = clients);

        if args.once {
            // --once: this is our only client, so close the listening socket
            // now: anyone else who connects is refused (RST) instead of
            // waiting in the queue for an accept() that will never come.
            listener.close();
            lab::tag_thread(Some(tag));
            // If it is gone, there are no others to serve: the server ends.
            let gone = t!("lab-server-once-client-gone");
            serve(conn, args.mode, args.idle_timeout, &gone);
            lab::tag_thread(None);
            lab::output(t!("lab-server-once-done"));
            return Ok(());
        }

        // One thread per client (its lines start with [client N]): each
        // thread blocks in its own recv() while the others go on. Simple and
        // readable; a server for many thousands of clients would use
        // non-blocking sockets and epoll instead.
        let (mode, idle, stop) = (args.mode, args.idle_timeout, Arc::clone(&stop));
        lab::spawn_tagged(tag, move || {
            if serve(conn, mode, idle, &t!("lab-server-client-gone")) == Served::Off {
                stop.request(local);
            }
            drop(place); // the next client may have it
        });
    }

    // close() the listening socket: new connections are refused from now on.
    // Clients still connected are closed by the kernel when the process exits.
    listener.close();
    lab::output(t!("lab-server-stopped"));
    Ok(())
}

/// The answer in `--mode ack`.
const ACK: &[u8] = b"message received\n";
/// The answer to `off`.
const GOODBYE: &[u8] = b"goodbye: server stopping\n";

/// How a client's conversation ended; `Off`: it sent `off`, stop the server.
#[derive(PartialEq)]
enum Served {
    Ended,
    Off,
}

/// Serve one client until it closes, resets, goes quiet or says `off`, then
/// close(). `gone`: what to say if the client is gone (reset).
fn serve(conn: TcpSocket, mode: Mode, idle: Duration, gone: &str) -> Served {
    // setsockopt(SO_RCVTIMEO): a recv() that waits longer than --idle-timeout
    // gives up, so that a client that never sends cannot keep its place
    // (and its file descriptor) for ever.
    let served = match conn.setsockopt_rcvtimeo(idle) {
        Err(_) => Served::Ended,
        Ok(()) => match mode {
            Mode::Echo => serve_lines(&conn, gone, |line| Some([line, b"\n"].concat())),
            Mode::Ack => serve_lines(&conn, gone, |_| Some(ACK.to_vec())),
            Mode::Print => serve_lines(&conn, gone, |line| {
                lab::output(escape(line));
                None
            }),
            Mode::Sink => sink(&conn),
        },
    };
    conn.close();
    served
}

/// The line modes: `answer` makes the reply to each line (`None`: no reply).
fn serve_lines(conn: &TcpSocket, gone: &str, answer: impl Fn(&[u8]) -> Option<Vec<u8>>) -> Served {
    // TCP is a byte stream, not a sequence of messages: one recv() may return
    // half a line, or three lines at once. So we agree with the client that
    // a message ends with '\n' (framing), and the framer collects bytes until
    // it has whole lines.
    let mut lines = LineFramer::new();
    /// How many bytes one recv() may return: a good gulp of a stream.
    const RECV_BUFFER: usize = 64 * 1024;
    let mut buf = vec![0; RECV_BUFFER];
    loop {
        // recv(): wait until the client has sent something, and take what
        // has arrived (at most buf.len() bytes).
        let bytes = match conn.recv(&mut buf) {
            Ok(Recv::Data(bytes)) => bytes,
            Ok(Recv::Closed) => {
                // 0 bytes is not "nothing yet" (recv() would have waited):
                // it is the end of the stream. The client sent its FIN and
                // will send nothing more.
                if let End::MidLine(partial) = lines.finish() {
                    lab::explain(t!(
                        "lab-server-mid-line",
                        n = partial.len(),
                        data = lab::quote(&partial)
                    ));
                }
                return Served::Ended;
            }
            Ok(Recv::TimedOut) => {
                lab::explain(t!("lab-server-idle"));
                return Served::Ended;
            }
            // Typically "connection reset by peer": the client aborted (RST).
            Ok(Recv::Reset) | Err(_) => {
                lab::explain(gone);
                return Served::Ended;
            }
        };

        for line in lines.push(bytes) {
            let reply = match line {
                Line::Text(line) if line.trim_ascii() == net::OFF => {
                    lab::explain(t!("lab-server-off"));
                    let _ = conn.send_all(GOODBYE);
                    return Served::Off;
                }
                Line::Text(line) => match answer(&line) {
                    Some(reply) => reply,
                    None => continue,
                },
                Line::TooLong => {
                    lab::explain(t!("lab-server-too-long", max = net::MAX_LINE));
                    format!("error: line longer than {} bytes, ignored\n", net::MAX_LINE)
                        .into_bytes()
                }
            };
            // send(): the reply. send_all() calls send() again if the kernel
            // took only part of it (its send buffer was full).
            if conn.send_all(&reply).is_err() {
                lab::explain(gone);
                return Served::Ended;
            }
        }
    }
}

fn main() -> ExitCode {
    cli::run_lab(PROG, run)
}

const PROG: &str = "tcp_server";
const EXAMPLES: &str = "\
Examples:
  tcp_server --mode ack --once        answer one client on 127.0.0.1:5000, then exit
  tcp_server --host ::1 --port 0      IPv6; the kernel picks a free port (see `listening on`)
  tcp_server --mode sink --quiet      receive `tcp_client --bytes 1G` and report the throughput";

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

    /// Most clients connected at once; one more gets a one-line refusal and is closed
    #[arg(long, default_value_t = 1000, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_clients: u64,

    /// Close a client that sends nothing for this long (e.g. 300, 90s, 500ms)
    #[arg(long, default_value = "300s", value_parser = cli::parse_timeout, value_name = "DURATION")]
    idle_timeout: Duration,
}

impl cli::LabArgs for Args {
    fn common(&self) -> &CommonArgs {
        &self.common
    }
}

// ---- beyond the listing: `--mode sink`, and how `off` wakes accept() --------
// (The cap on clients, `--max-clients`, is `lab::Places`.)

/// `--mode sink`: read everything as fast as possible, then report. (One line
/// per recv() would be thousands of lines: the loop is narrated as one.)
fn sink(conn: &TcpSocket) -> Served {
    /// Bigger than in the line modes, so that a bulk transfer needs fewer calls.
    const SINK_BUFFER: usize = 256 * 1024;
    let start = Instant::now();
    let received = conn.recv_bulk(&mut vec![0; SINK_BUFFER]);
    lab::report_rate(Moved::Received, received.bytes, start);
    // The client only half-closed (shutdown(SHUT_WR)), so it can still hear
    // us: tell it how much arrived, so it can check that nothing was lost.
    if received.ended.is_ok() {
        let _ = conn.send_all(format!("sink received {} bytes\n", received.bytes).as_bytes());
    }
    Served::Ended
}

/// How a client's `off` stops the whole server. The main thread is blocked
/// in accept(), and only a new connection wakes it up. So the client's
/// thread sets this flag, then connects to our own listening socket:
/// accept() returns, the main thread sees the flag, and stops.
#[derive(Default)]
struct Stop(AtomicBool);

impl Stop {
    fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    fn request(&self, listening: SocketAddr) {
        self.0.store(true, Ordering::SeqCst);
        let target = net::reachable(listening);
        lab::explain(t!("lab-server-waking", target = target.to_string()));
        let woken = lab::socket(target, SOCK_STREAM).and_then(|sock| {
            sock.connect(target)?;
            sock.close();
            Ok(())
        });
        if let Err(error) = woken {
            // Cannot wake accept(): stop the process from here instead.
            lab::warn(t!("lab-server-cannot-wake", error = error.to_string()));
            std::process::exit(0);
        }
    }
}
