#![forbid(unsafe_code)]
//! udp_client: a UDP client that narrates every socket call it makes.
//!
//! Read it top to bottom: `socket()` → `sendto()` → `recvfrom()` (with a
//! timeout) → `close()`. No `connect()`, no handshake: the first datagram is
//! the first thing on the wire, and nothing tells us whether it arrived
//! except a reply.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

use socklab::cli::{self, CommonArgs};
use socklab::lab::{self, AddressUse, RecvFrom, UdpSocket, SOCK_DGRAM};
use socklab::narrate::{escape, human_duration};
use socklab::net;
use socklab::t;

fn run(args: Args) -> anyhow::Result<()> {
    // getaddrinfo(): turn --host into addresses. With no handshake, nothing
    // tells us which address answers, so we use the first.
    let server = lab::first_address(&args.common.host, args.port, AddressUse::SendTo)?;
    // A datagram too big to send is an error before anything is sent.
    for message in &args.message {
        net::check_datagram(message.len(), &server)?;
    }

    // socket(): a UDP endpoint (SOCK_DGRAM).
    let sock = lab::socket(server, SOCK_DGRAM)?;

    // setsockopt(SO_RCVTIMEO): UDP does not retransmit. If our datagram or
    // the reply is lost, or nothing listens, no reply will ever come, so
    // recvfrom() must give up after a while instead of waiting forever.
    sock.setsockopt_rcvtimeo(args.timeout)?;

    // No bind(): the first sendto() binds the socket to a free (ephemeral)
    // port.
    let mut client = Client {
        sock: &sock,
        server,
        timeout: args.timeout,
        buf: vec![0; net::MAX_DATAGRAM_V6], // room for the largest datagram
    };
    if let Some(count) = args.count {
        numbered(&mut client, count, Duration::from_millis(args.interval))?;
    } else {
        let hint = t!("lab-udp-client-hint");
        for message in lab::messages(&args.message, &hint) {
            let message = message.with_context(|| t!("lab-reading-stdin"))?;
            client.exchange(&message)?;
            if message.trim_ascii() == net::OFF {
                break;
            }
        }
    }

    // close(): give the socket back. Nothing goes on the wire: no connection, no FIN.
    sock.close();
    Ok(())
}

/// What one send-and-wait needs.
struct Client<'a> {
    sock: &'a UdpSocket,
    server: SocketAddr,
    timeout: Duration,
    buf: Vec<u8>,
}

impl Client<'_> {
    /// Send `message` as one datagram and wait for one reply, at most
    /// `timeout`. True if a reply came.
    fn exchange(&mut self, message: &[u8]) -> anyhow::Result<bool> {
        // sendto(): one datagram, one call, the address with it. sendto()
        // returns once the kernel has taken the datagram, not when it arrives:
        // UDP never says whether it did.
        self.sock.sendto(message, self.server)?;

        // recvfrom(): wait for a reply, at most --timeout (SO_RCVTIMEO).
        match self.sock.recvfrom(&mut self.buf)? {
            RecvFrom::Data(reply, from) => {
                lab::output(t!(
                    "lab-udp-reply",
                    from = from.to_string(),
                    reply = escape(reply)
                ));
                Ok(true)
            }
            RecvFrom::TimedOut => {
                lab::output(t!(
                    "lab-udp-no-reply",
                    timeout = human_duration(self.timeout),
                    server = self.server.to_string()
                ));
                Ok(false)
            }
        }
    }
}

fn main() -> ExitCode {
    cli::run_lab(PROG, run)
}

const PROG: &str = "udp_client";
const EXAMPLES: &str = "\
Examples:
  udp_client --message hello                 one datagram, wait 1 s for the reply
  udp_client --count 10 --interval 100       ten numbered datagrams; how many replies came back?
  printf 'a\\nb\\n' | udp_client --timeout 500ms  one datagram per line of stdin";

/// A UDP client that narrates every socket call: socket, sendto, recvfrom, close.
#[derive(Parser)]
#[command(version, after_help = EXAMPLES)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,

    /// Server port
    #[arg(long, default_value_t = net::DEFAULT_UDP_PORT)]
    port: u16,

    /// Message to send as one datagram (repeatable); without it, one datagram per line of stdin
    #[arg(long, short, value_name = "TEXT")]
    message: Vec<String>,

    /// How long to wait for each reply (e.g. 1, 500ms)
    #[arg(long, default_value = "1s", value_parser = cli::parse_duration, value_name = "DURATION")]
    timeout: Duration,

    /// Send N numbered datagrams (`ping 1`, `ping 2`...) and count the replies
    #[arg(long, value_name = "N", conflicts_with = "message", value_parser = clap::value_parser!(u32).range(1..))]
    count: Option<u32>,

    /// Pause between numbered datagrams, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 200, requires = "count")]
    interval: u64,
}

impl cli::LabArgs for Args {
    fn common(&self) -> &CommonArgs {
        &self.common
    }
}

// ---- beyond the listing ---------------------------------------------------

/// `--count N`: N numbered datagrams, `interval` apart; how many replies came back?
fn numbered(client: &mut Client, count: u32, interval: Duration) -> anyhow::Result<()> {
    let mut replies = 0;
    for i in 1..=count {
        if client.exchange(format!("ping {i}").as_bytes())? {
            replies += 1;
        }
        if i < count {
            thread::sleep(interval);
        }
    }
    lab::output(t!(
        "lab-udp-count",
        count = count,
        replies = replies,
        missing = count - replies
    ));
    Ok(())
}
