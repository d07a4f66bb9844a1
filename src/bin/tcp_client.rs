#![forbid(unsafe_code)]
//! tcp_client: a TCP client that narrates every socket call it makes.
//!
//! Read it top to bottom: `socket()` → `connect()` → `send()`/`recv()` →
//! (`shutdown()`) → `close()`, each call printed as it returns.
//!
//! It sends lines (from `--message` or from stdin) and prints each reply.
//! `--shutdown` and `--reset` change how the connection ends, for the
//! capture labs; `--bytes` streams a bulk transfer and reports the throughput.

use std::collections::VecDeque;
use std::io::{self, BufRead, IsTerminal, Read};
use std::net::Shutdown;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use socket2::{Domain, Socket, Type};

use socklab::cli::{self, CommonArgs};
use socklab::narrate::{escape, gbit_per_s, human_bytes, Ends, Narrator};
use socklab::net::{self, LineFramer, LineRead, NetError};

const PROG: &str = "tcp_client";
/// How many bytes one recv() may return.
const RECV_BUFFER: usize = 64 * 1024;
/// How many bytes one send() offers in `--bytes` mode: big buffers mean few
/// system calls, and few system calls mean speed.
const SEND_CHUNK: usize = 256 * 1024;
/// What `--bytes` sends, over and over. No newline on purpose: a line server
/// (echo, ack, print) sees one over-long line, answers one error and skips the
/// rest, instead of flooding us with replies we are not reading.
const FILLER: &[u8] = b"socklab ";
/// The line that stops the server.
const OFF: &[u8] = b"off";

const EXAMPLES: &str = "\
Examples:
  tcp_client --message hello --message bye    send two lines, print the replies, close
  printf 'one\\ntwo\\n' | tcp_client --shutdown  send, half-close, read until the server closes
  tcp_client --bytes 1G --quiet               stream 1 GiB to `tcp_server --mode sink`";

/// A TCP client that narrates every socket call: socket, connect, send, recv, shutdown, close.
#[derive(Parser)]
#[command(version, after_help = EXAMPLES)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,

    /// Server port
    #[arg(long, default_value_t = net::DEFAULT_TCP_PORT)]
    port: u16,

    /// Line to send (repeatable); without it, lines are read from stdin until end of file
    #[arg(long, short, value_name = "TEXT")]
    message: Vec<String>,

    /// After sending, half-close with shutdown(SHUT_WR), then read replies until the server closes
    #[arg(long, conflicts_with = "reset")]
    shutdown: bool,

    /// End with an RST instead of a FIN: SO_LINGER 0, then close()
    #[arg(long)]
    reset: bool,

    /// Stream SIZE bytes (e.g. 64K, 1M, 1G) as fast as possible and print the throughput
    #[arg(long, value_name = "SIZE", value_parser = cli::parse_size, conflicts_with_all = ["message", "shutdown"])]
    bytes: Option<u64>,

    /// How long to wait for each reply (e.g. 2, 500ms); a server in --mode print never answers
    #[arg(long, default_value = "2s", value_parser = cli::parse_duration, value_name = "DURATION")]
    timeout: Duration,
}

fn main() -> ExitCode {
    cli::run_main(PROG, run)
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let n = args.common.narrator(PROG);

    // getaddrinfo(): turn --host into addresses. `localhost` may give both
    // ::1 and 127.0.0.1, and the server may listen on only one of them.
    let addrs = n.resolve(&args.common.host, args.port)?;

    // Like the classic listing, try each address until a connect() works.
    let mut connected = None;
    let mut last_error = None;
    for &addr in &addrs {
        // socket(): a new TCP endpoint (SOCK_STREAM). Nothing on the wire yet.
        let what = format!("{}, SOCK_STREAM", net::family_name(&addr));
        let sock = n
            .call(
                "socket",
                &what,
                Ends::NONE,
                Socket::new(Domain::for_address(addr), Type::STREAM, None),
            )
            .map_err(|error| NetError::Socket { what, error })?;

        // connect(): the three-way handshake. Our SYN, the server's SYN-ACK,
        // our ACK; connect() returns when the handshake is complete. If
        // nothing listens on that port, the server's machine answers our SYN
        // with an RST and connect() fails: "connection refused".
        let call = n.enter("connect", addr, Ends::peer(addr));
        match sock.connect(&addr.into()) {
            Ok(()) => {
                let ends = Ends::of(&sock);
                n.done(call, ends, "ok");
                connected = Some((sock, ends));
                break;
            }
            Err(error) => {
                n.failed(call, &error);
                close(&n, sock, Ends::peer(addr));
                last_error = Some(NetError::Connect { addr, error });
            }
        }
    }
    let (conn, ends) = match (connected, last_error) {
        (Some(connection), _) => connection,
        (None, Some(error)) => return Err(error.into()),
        (None, None) => anyhow::bail!("no address to connect to"),
    };
    if let Some(local) = ends.local {
        n.explain(format!(
            "we did not bind(): the kernel chose our address, {local}, with a free (ephemeral) port"
        ));
    }

    let mut replies = Replies::new();
    if let Some(total) = args.bytes {
        stream(&n, &conn, ends, total, &mut replies)?;
    } else {
        // Without --shutdown we wait for each reply in turn, but not forever.
        if !args.shutdown {
            // setsockopt(SO_RCVTIMEO): recv() gives up after --timeout, so a
            // server that never answers (--mode print) cannot hang us.
            let timeout = format!("SO_RCVTIMEO, {:?}", args.timeout);
            n.call(
                "setsockopt",
                timeout,
                ends,
                conn.set_read_timeout(Some(args.timeout)),
            )
            .context("setsockopt(SO_RCVTIMEO)")?;
        }
        let messages: Box<dyn Iterator<Item = io::Result<Vec<u8>>>> = if args.message.is_empty() {
            if io::stdin().is_terminal() {
                n.explain("type a line and press Enter to send it; Ctrl-D closes the connection, `off` stops the server");
            }
            Box::new(io::stdin().lock().split(b'\n'))
        } else {
            Box::new(args.message.iter().map(|m| Ok(m.clone().into_bytes())))
        };

        for message in messages {
            let mut message = message.context("reading stdin")?;
            if message.last() == Some(&b'\r') {
                message.pop();
            }
            // send(): one line, with the '\n' that marks its end (TCP itself
            // has no messages, only a stream of bytes).
            let line = [message.as_slice(), b"\n"].concat();
            send_all(&n, &conn, ends, &line)?;
            // With --shutdown every reply is read after the half-close.
            if args.shutdown {
                continue;
            }
            match replies.next(&n, &conn, ends) {
                Ok(LineRead::Line(reply)) => n.output(format!("reply: {}", escape(&reply))),
                Ok(LineRead::TooLong) => n.output("reply: (a line over 64 KiB, skipped)"),
                Ok(LineRead::Eof | LineRead::EofMidLine(_)) => {
                    n.output("the server closed the connection");
                    break;
                }
                Err(error) if is_timeout(&error) => n.output(format!(
                    "no reply within {:?} (the server did not answer in time; one in --mode print never does)",
                    args.timeout
                )),
                Err(error) => return Err(transfer("recv", ends, error).into()),
            }
            if message.trim_ascii() == OFF {
                break;
            }
        }

        if args.shutdown {
            // shutdown(SHUT_WR): a half-close. Our FIN tells the server we
            // will send nothing more, yet we can still receive: its replies,
            // and then its own FIN, still reach us.
            let call = n.enter("shutdown", "SHUT_WR", ends);
            n.finish(call, ends, conn.shutdown(Shutdown::Write))
                .map_err(|error| transfer("shutdown", ends, error))?;
            read_until_closed(&n, &conn, ends, &mut replies)?;
        }
    }

    if args.reset {
        // setsockopt(SO_LINGER, 0 s): an abortive close. close() will drop
        // anything not yet sent and send an RST instead of a FIN; the
        // server's next recv() fails with "connection reset by peer".
        n.call(
            "setsockopt",
            "SO_LINGER, on, 0 s",
            ends,
            conn.set_linger(Some(Duration::ZERO)),
        )
        .context("setsockopt(SO_LINGER)")?;
    }
    close(&n, conn, ends);
    Ok(())
}

/// `--bytes`: stream `total` bytes, half-close, wait for the server to close,
/// and report the throughput.
fn stream(
    n: &Narrator,
    conn: &Socket,
    ends: Ends,
    total: u64,
    replies: &mut Replies,
) -> anyhow::Result<()> {
    let chunk = FILLER.repeat(SEND_CHUNK / FILLER.len());
    let start = Instant::now();
    let (mut left, mut calls) = (total, 0u64);

    // send() in a loop. One narration line per call would be thousands of
    // lines and would slow us down: the loop is narrated as one summary.
    let call = n.enter(
        "send",
        format!("{} buffer", human_bytes(chunk.len() as u64)),
        ends,
    );
    while left > 0 {
        let size = left.min(chunk.len() as u64) as usize;
        match conn.send(&chunk[..size]) {
            Ok(sent) => {
                left -= sent as u64;
                calls += 1;
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                let summary = format!(
                    "{} bytes, then error: {}",
                    total - left,
                    net::describe(&error)
                );
                n.done_repeated(call, calls + 1, ends, summary);
                return Err(transfer("send", ends, error).into());
            }
        }
    }
    n.done_repeated(call, calls, ends, format!("{total} bytes"));

    // shutdown(SHUT_WR): we have sent everything. Then recv() until the
    // server closes: only then do we know that every byte has arrived.
    let call = n.enter("shutdown", "SHUT_WR", ends);
    n.finish(call, ends, conn.shutdown(Shutdown::Write))
        .map_err(|error| transfer("shutdown", ends, error))?;
    read_until_closed(n, conn, ends, replies)?;

    let seconds = start.elapsed().as_secs_f64();
    n.output(format!(
        "sent {total} bytes ({}) in {seconds:.3} s: {:.2} Gbit/s",
        human_bytes(total),
        gbit_per_s(total, seconds)
    ));
    Ok(())
}

/// recv() until 0 bytes (the server's FIN), printing every reply line.
fn read_until_closed(
    n: &Narrator,
    conn: &Socket,
    ends: Ends,
    replies: &mut Replies,
) -> anyhow::Result<()> {
    loop {
        match replies.next(n, conn, ends) {
            Ok(LineRead::Line(reply)) => n.output(format!("reply: {}", escape(&reply))),
            Ok(LineRead::TooLong) => n.output("reply: (a line over 64 KiB, skipped)"),
            Ok(LineRead::EofMidLine(partial)) => {
                n.output(format!(
                    "reply: {} (no newline before the server closed)",
                    escape(&partial)
                ));
                return Ok(());
            }
            Ok(LineRead::Eof) => return Ok(()),
            Err(error) => return Err(transfer("recv", ends, error).into()),
        }
    }
}

/// Reply lines from the server: recv() as often as needed, cut into lines.
struct Replies {
    buf: Vec<u8>,
    lines: LineFramer,
    ready: VecDeque<LineRead>,
}

impl Replies {
    fn new() -> Replies {
        Replies {
            buf: vec![0; RECV_BUFFER],
            lines: LineFramer::new(),
            ready: VecDeque::new(),
        }
    }

    /// The next reply line, or the end of the stream; a timeout is an error
    /// of kind `WouldBlock` or `TimedOut`.
    fn next(&mut self, n: &Narrator, conn: &Socket, ends: Ends) -> io::Result<LineRead> {
        loop {
            if let Some(line) = self.ready.pop_front() {
                return Ok(line);
            }
            // recv(): wait for the server's bytes. A reply may arrive in
            // pieces, so we may need several recv() calls for one line.
            let call = n.enter("recv", "", ends);
            match (&*conn).read(&mut self.buf) {
                Ok(0) => {
                    // 0 bytes: the server has closed its side (its FIN).
                    n.done(call, ends, "0 bytes: peer closed its side (FIN received)");
                    return Ok(self.lines.finish());
                }
                Ok(got) => {
                    n.done_data(call, ends, format!("{got} bytes"), &self.buf[..got]);
                    self.ready.extend(self.lines.push(&self.buf[..got]));
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => n.failed(call, &error),
                Err(error) => {
                    n.failed(call, &error);
                    return Err(error);
                }
            }
        }
    }
}

/// send() until every byte is gone: send() may take fewer bytes than
/// offered when the socket's send buffer is full.
fn send_all(n: &Narrator, conn: &Socket, ends: Ends, mut bytes: &[u8]) -> Result<(), NetError> {
    while !bytes.is_empty() {
        let call = n.enter("send", n.quote(bytes), ends);
        match conn.send(bytes) {
            Ok(sent) => {
                n.done(call, ends, format!("{sent} bytes"));
                bytes = &bytes[sent..];
            }
            Err(error) => {
                n.failed(call, &error);
                return Err(transfer("send", ends, error));
            }
        }
    }
    Ok(())
}

/// close(): give the socket back to the kernel (in Rust: drop it). On a
/// connection this sends our FIN, or an RST with SO_LINGER 0.
fn close(n: &Narrator, sock: Socket, ends: Ends) {
    let call = n.enter("close", "", ends);
    drop(sock);
    n.done(call, ends, "");
}

/// recv() gave up waiting (SO_RCVTIMEO).
fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A failed call on the connection, with the server's address for context.
fn transfer(call: &'static str, ends: Ends, error: io::Error) -> NetError {
    let peer = ends.peer.unwrap_or_else(|| ([0, 0, 0, 0], 0).into());
    NetError::Transfer { call, peer, error }
}
