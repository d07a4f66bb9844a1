#![forbid(unsafe_code)]
//! tcp_client: a TCP client that narrates every socket call it makes.
//!
//! Read it top to bottom: `socket()` → `connect()` → `send()`/`recv()` →
//! (`shutdown()`) → `close()`, each call printed as it returns.
//!
//! It sends lines (from `--message` or from stdin) and prints each reply.
//! `--shutdown` and `--reset` change how the connection ends, for the
//! capture labs; `--bytes` (at the end of the file, beyond the listing)
//! streams a bulk transfer and reports the throughput.

use std::net::Shutdown;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use socklab::cli::{self, CommonArgs};
use socklab::lab::{self, Lines, Moved, TcpSocket, SOCK_STREAM};
use socklab::narrate::{escape, human_duration};
use socklab::net::{self, End, Line, Next};
use socklab::t;

fn run(args: Args) -> anyhow::Result<()> {
    // getaddrinfo(): turn --host into addresses. `localhost` may give both
    // ::1 and 127.0.0.1, and the server may listen on only one of them.
    let addrs = lab::resolve(&args.common.host, args.port)?;

    // Like the classic listing, try each address until a connect() works.
    let mut connected = None;
    let mut failure = None;
    for &addr in &addrs {
        // socket(): a new TCP endpoint (SOCK_STREAM). Nothing on the wire yet.
        let sock = lab::socket(addr, SOCK_STREAM)?;

        // connect(): the three-way handshake. Our SYN, the server's SYN-ACK,
        // our ACK; connect() returns when the handshake is complete. If
        // nothing listens on that port, the server's machine answers our SYN
        // with an RST and connect() fails: "connection refused".
        match sock.connect(addr) {
            Ok(()) => {
                connected = Some(sock);
                break;
            }
            Err(error) => {
                sock.close();
                failure = Some(error);
            }
        }
    }
    let conn = match (connected, failure) {
        (Some(conn), _) => conn,
        (None, Some(error)) => return Err(error.into()),
        (None, None) => anyhow::bail!(t!("lab-no-address")),
    };
    lab::explain(t!(
        "lab-client-ephemeral",
        addr = conn.getsockname().to_string()
    ));

    if let Some(total) = args.bytes {
        stream(&conn, total)?;
    } else {
        converse(&conn, &args)?;
    }

    if args.reset {
        // setsockopt(SO_LINGER, 0 s): an abortive close. close() will drop
        // anything not yet sent and send an RST instead of a FIN; the
        // server's next recv() fails with "connection reset by peer".
        conn.setsockopt_linger_zero()?;
    }
    // close(): give the socket back to the kernel (in Rust: drop it). On a
    // connection this sends our FIN, or an RST with SO_LINGER 0.
    conn.close();
    Ok(())
}

/// Send each line, and print the reply to each (or, with --shutdown, all
/// the replies after the half-close).
fn converse(conn: &TcpSocket, args: &Args) -> anyhow::Result<()> {
    // Without --shutdown we wait for each reply in turn, but not forever.
    if !args.shutdown {
        // setsockopt(SO_RCVTIMEO): recv() gives up after --timeout, so a
        // server that never answers (--mode print) cannot hang us.
        conn.setsockopt_rcvtimeo(args.timeout)?;
    }
    let mut replies = Lines::new();
    let hint = t!("lab-client-hint");
    for message in lab::messages(&args.message, &hint) {
        let message = message.with_context(|| t!("lab-reading-stdin"))?;
        // send(): one line, with the '\n' that marks its end (TCP itself
        // has no messages, only a stream of bytes). send_all() calls send()
        // again if the kernel took only part of it.
        conn.send_all(&[message.as_slice(), b"\n"].concat())?;
        // With --shutdown every reply is read after the half-close.
        if args.shutdown {
            continue;
        }
        // recv() until a whole reply line has arrived (it may come in pieces).
        match replies.next(conn)? {
            Some(Next::Line(reply)) => print_reply(reply),
            Some(Next::End(_)) => {
                lab::output(t!("lab-client-server-closed"));
                break;
            }
            None => lab::output(t!(
                "lab-client-no-reply",
                timeout = human_duration(args.timeout)
            )),
        }
        if message.trim_ascii() == net::OFF {
            break;
        }
    }

    if args.shutdown {
        // shutdown(SHUT_WR): a half-close. Our FIN tells the server we
        // will send nothing more, yet we can still receive: its replies,
        // and then its own FIN, still reach us.
        conn.shutdown(Shutdown::Write)?;
        read_until_closed(conn, &mut replies)?;
    }
    Ok(())
}

/// recv() until 0 bytes (the server's FIN), printing every reply line.
fn read_until_closed(conn: &TcpSocket, replies: &mut Lines) -> anyhow::Result<()> {
    while let Some(next) = replies.next(conn)? {
        match next {
            Next::Line(reply) => print_reply(reply),
            Next::End(End::MidLine(partial)) => {
                lab::output(t!("lab-client-reply-unfinished", reply = escape(&partial)));
                break;
            }
            Next::End(End::Clean) => break,
        }
    }
    Ok(())
}

fn print_reply(reply: Line) {
    match reply {
        Line::Text(reply) => lab::output(t!("lab-client-reply", reply = escape(&reply))),
        Line::TooLong => lab::output(t!("lab-client-reply-too-long")),
    }
}

fn main() -> ExitCode {
    cli::run_lab(PROG, run)
}

const PROG: &str = "tcp_client";
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

impl cli::LabArgs for Args {
    fn common(&self) -> &CommonArgs {
        &self.common
    }
}

// ---- beyond the listing ---------------------------------------------------

/// `--bytes`: stream `total` bytes, half-close, wait for the server to close,
/// and report the throughput.
fn stream(conn: &TcpSocket, total: u64) -> anyhow::Result<()> {
    /// How many bytes one send() offers: big buffers mean few system calls,
    /// and few system calls mean speed.
    const SEND_CHUNK: usize = 256 * 1024;
    /// What is sent, over and over. No newline on purpose: a line server
    /// (echo, ack, print) sees one over-long line, answers one error and
    /// skips the rest, instead of flooding us with replies we are not reading.
    const FILLER: &[u8] = b"socklab ";
    let chunk = FILLER.repeat(SEND_CHUNK / FILLER.len());
    let start = Instant::now();

    // send() in a loop. One narration line per call would be thousands of
    // lines and would slow us down: the loop is narrated as one summary.
    conn.send_bulk(&chunk, total)?;

    // shutdown(SHUT_WR): we have sent everything. Then recv() until the
    // server closes: only then do we know that every byte has arrived.
    conn.shutdown(Shutdown::Write)?;
    read_until_closed(conn, &mut Lines::new())?;

    lab::report_rate(Moved::Sent, total, start);
    Ok(())
}
