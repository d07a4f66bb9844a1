#![forbid(unsafe_code)]
//! udp_client: a UDP client that narrates every socket call it makes.
//!
//! Read it top to bottom: `socket()` → `sendto()` → `recvfrom()` (with a
//! timeout) → `close()`. No `connect()`, no handshake: the first datagram is
//! the first thing on the wire, and nothing tells us whether it arrived
//! except a reply.

use std::io::{self, BufRead, IsTerminal};
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use socket2::{Domain, Socket, Type};

use socklab::cli::{self, CommonArgs};
use socklab::narrate::{escape, Ends, Narrator};
use socklab::net::{self, NetError};

const PROG: &str = "udp_client";
/// Big enough for the largest UDP datagram.
const RECV_BUFFER: usize = 64 * 1024;
/// The message that stops the server.
const OFF: &[u8] = b"off";

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

fn main() -> ExitCode {
    cli::run_main(PROG, run)
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let n = args.common.narrator(PROG);

    // getaddrinfo(): turn --host into addresses. With no handshake, nothing
    // tells us which address answers, so we use the first.
    let addrs = n.resolve(&args.common.host, args.port)?;
    let server = addrs[0];
    if addrs.len() > 1 {
        n.explain(format!(
            "{} addresses found: sending to the first, {server}",
            addrs.len()
        ));
    }
    // A datagram too big to send is an error before anything is sent.
    for message in &args.message {
        net::check_datagram(message.len(), &server)?;
    }

    // socket(): a UDP endpoint (SOCK_DGRAM).
    let what = format!("{}, SOCK_DGRAM", net::family_name(&server));
    let sock = n
        .call(
            "socket",
            &what,
            Ends::NONE,
            Socket::new(Domain::for_address(server), Type::DGRAM, None),
        )
        .map_err(|error| NetError::Socket { what, error })?;

    // setsockopt(SO_RCVTIMEO): UDP does not retransmit. If our datagram or
    // the reply is lost, or nothing listens, no reply will ever come, so
    // recvfrom() must give up after a while instead of waiting forever.
    let timeout = format!("SO_RCVTIMEO, {:?}", args.timeout);
    n.call(
        "setsockopt",
        timeout,
        Ends::NONE,
        sock.set_read_timeout(Some(args.timeout)),
    )
    .context("setsockopt(SO_RCVTIMEO)")?;

    // No bind(): the first sendto() binds the socket to a free (ephemeral)
    // port. From here on we use std's UdpSocket: the same socket, whose
    // send_to() and recv_from() are exactly sendto() and recvfrom().
    let sock = UdpSocket::from(sock);
    let mut client = Client {
        n: &n,
        sock: &sock,
        server,
        timeout: args.timeout,
        buf: vec![0; RECV_BUFFER],
    };

    if let Some(count) = args.count {
        let mut replies = 0;
        for i in 1..=count {
            if client.exchange(format!("ping {i}").as_bytes())?.is_some() {
                replies += 1;
            }
            if i < count {
                thread::sleep(Duration::from_millis(args.interval));
            }
        }
        n.output(format!(
            "sent {count} datagrams, {replies} replies came back ({} missing)",
            count - replies
        ));
    } else {
        let messages: Box<dyn Iterator<Item = io::Result<Vec<u8>>>> = if args.message.is_empty() {
            if io::stdin().is_terminal() {
                n.explain("type a line and press Enter to send it as one datagram; Ctrl-D ends, `off` stops the server");
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
            client.exchange(&message)?;
            if message.trim_ascii() == OFF {
                break;
            }
        }
    }

    // close(): give the socket back. Nothing goes on the wire: no connection, no FIN.
    let ends = client.ends(None);
    let call = n.enter("close", "", ends);
    drop(sock);
    n.done(call, ends, "");
    Ok(())
}

/// What one send-and-wait needs.
struct Client<'a> {
    n: &'a Narrator,
    sock: &'a UdpSocket,
    server: SocketAddr,
    timeout: Duration,
    buf: Vec<u8>,
}

impl Client<'_> {
    /// Send `message` as one datagram and wait for one reply, at most `timeout`.
    fn exchange(&mut self, message: &[u8]) -> anyhow::Result<Option<Vec<u8>>> {
        let (n, server) = (self.n, self.server);
        net::check_datagram(message.len(), &server)?;

        // sendto(): one datagram, one call, the address with it. sendto()
        // returns once the kernel has taken the datagram, not when it arrives:
        // UDP never says whether it did.
        let call = n.enter(
            "sendto",
            format!("{server}, {}", n.quote(message)),
            self.ends(Some(server)),
        );
        match self.sock.send_to(message, server) {
            Ok(sent) => n.done(call, self.ends(Some(server)), format!("{sent} bytes")),
            Err(error) => {
                n.failed(call, &error);
                return Err(NetError::Transfer {
                    call: "sendto",
                    peer: server,
                    error,
                }
                .into());
            }
        }

        // recvfrom(): wait for a reply, at most --timeout (SO_RCVTIMEO).
        let call = n.enter("recvfrom", "", self.ends(Some(server)));
        match self.sock.recv_from(&mut self.buf) {
            Ok((len, from)) => {
                let reply = self.buf[..len].to_vec();
                n.done_data(
                    call,
                    self.ends(Some(from)),
                    format!("{len} bytes from {from}"),
                    &reply,
                );
                n.output(format!("reply from {from}: {}", escape(&reply)));
                Ok(Some(reply))
            }
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                n.failed(call, &error);
                n.output(format!(
                    "no reply within {:?}: UDP does not retransmit; the datagram or its reply was lost, or nothing answers on {server}",
                    self.timeout
                ));
                Ok(None)
            }
            Err(error) => {
                n.failed(call, &error);
                Err(NetError::Transfer {
                    call: "recvfrom",
                    peer: server,
                    error,
                }
                .into())
            }
        }
    }

    /// Our address (once the first sendto() has bound us) and `peer`.
    fn ends(&self, peer: Option<SocketAddr>) -> Ends {
        Ends {
            local: self.sock.local_addr().ok().filter(|a| a.port() != 0),
            peer,
        }
    }
}
