#![forbid(unsafe_code)]
//! udp_server: a UDP server that narrates every socket call it makes.
//!
//! Read it top to bottom: `socket()` → `bind()` → `recvfrom()`/`sendto()` in
//! a loop → `close()`. Compare with tcp_server: no `listen()`, no
//! `accept()`, no connection at all. Each datagram stands alone and carries
//! its sender's address, and one socket talks to every client.

use std::process::ExitCode;

use clap::{Parser, ValueEnum};

use socklab::cli::{self, CommonArgs};
use socklab::lab::{self, AddressUse, RecvFrom, SOCK_DGRAM};
use socklab::narrate::escape;
use socklab::net;
use socklab::t;

fn run(args: Args) -> anyhow::Result<()> {
    // getaddrinfo(): turn --host into addresses; we listen on the first.
    let addr = lab::first_address(&args.common.host, args.port, AddressUse::ListenOn)?;

    // socket(): a UDP endpoint (SOCK_DGRAM). It will send and receive
    // datagrams: separate messages, each delivered whole or not at all.
    let sock = lab::socket(addr, SOCK_DGRAM)?;

    // bind(): claim the port, so that datagrams sent to it reach us.
    // There is no listen() and no accept(): UDP has no connections. And no
    // SO_REUSEADDR: UDP leaves no TIME-WAIT behind, and on a UDP socket the
    // option would let a second server share our port without an error.
    sock.bind(addr)?;
    lab::output(t!("lab-listening", addr = sock.getsockname().to_string()));

    // Room for the largest UDP datagram: one recvfrom() returns one whole
    // datagram, and a buffer too small would silently cut it.
    let mut buf = vec![0u8; net::MAX_DATAGRAM_V6];
    loop {
        // recvfrom(): wait for one datagram. One call returns exactly one
        // datagram, never half of one and never two (UDP keeps message
        // boundaries, unlike TCP), together with the sender's address.
        let Ok(RecvFrom::Data(datagram, sender)) = sock.recvfrom(&mut buf) else {
            continue; // an error, narrated: wait for the next datagram
        };
        let message = without_newline(datagram);
        lab::output(t!(
            "lab-udp-from",
            sender = sender.to_string(),
            message = escape(message)
        ));

        let off = message.trim_ascii() == net::OFF;
        let reply = match args.mode {
            _ if off => GOODBYE,
            Mode::Echo => datagram,
            Mode::Ack => ACK,
            Mode::Print => continue,
        };
        // sendto(): one datagram back to whoever sent this one. No
        // connection: the address goes with every datagram. (A failure is
        // narrated, and the server goes on.)
        let _ = sock.sendto(reply, sender);
        if off {
            lab::explain(t!("lab-udp-off"));
            break;
        }
    }

    // close(): give the socket back. Nothing goes on the wire: there is no
    // connection to end, so no FIN.
    sock.close();
    lab::output(t!("lab-server-stopped"));
    Ok(())
}

/// The answer in `--mode ack`.
const ACK: &[u8] = b"message received";
/// The answer to `off`.
const GOODBYE: &[u8] = b"goodbye: server stopping";

/// The datagram without one trailing newline (`nc -u` sends one per line).
fn without_newline(datagram: &[u8]) -> &[u8] {
    let line = datagram.strip_suffix(b"\n").unwrap_or(datagram);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn main() -> ExitCode {
    cli::run_lab(PROG, run)
}

const PROG: &str = "udp_server";
const EXAMPLES: &str = "\
Examples:
  udp_server                        echo datagrams on 127.0.0.1:5001
  udp_server --mode print           print datagrams, never answer (udp_client then times out)
  udp_server --host ::1 --port 0    IPv6; the kernel picks a free port (see `listening on`)";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// Send each datagram back
    Echo,
    /// Answer each datagram with `message received`
    Ack,
    /// Only print each datagram
    Print,
}

/// A UDP server that narrates every socket call: socket, bind, recvfrom, sendto, close.
#[derive(Parser)]
#[command(version, after_help = EXAMPLES)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,

    /// Port to listen on; 0 lets the kernel choose one (printed as `listening on ADDRESS`)
    #[arg(long, default_value_t = net::DEFAULT_UDP_PORT)]
    port: u16,

    /// What to do with each datagram
    #[arg(long, value_enum, default_value_t = Mode::Echo)]
    mode: Mode,
}

impl cli::LabArgs for Args {
    fn common(&self) -> &CommonArgs {
        &self.common
    }
}
