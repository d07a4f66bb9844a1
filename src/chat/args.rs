//! The chat's command line: its options, and which side they make us.
//! (Here rather than in `src/bin/chat.rs`, which holds the lesson.)

use clap::{ArgGroup, CommandFactory, Parser, ValueEnum};

use crate::cli::ColorChoice;

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
pub struct Args {
    /// Transport: tcp (a connection carrying a byte stream) or udp (separate datagrams)
    #[arg(long, value_enum)]
    pub proto: Proto,

    /// TCP: wait for the other computer to connect
    #[arg(long)]
    pub listen: bool,

    /// TCP: connect to the other computer, which is listening
    #[arg(long, value_name = "PEER_IP")]
    pub connect: Option<String>,

    /// UDP: the other computer (each side names the other)
    #[arg(long, value_name = "PEER_IP")]
    pub peer: Option<String>,

    /// Our own address, to listen on (TCP) or bind (UDP); default: every address (0.0.0.0, or :: for an IPv6 peer)
    #[arg(long, value_name = "HOST", conflicts_with = "connect")]
    pub host: Option<String>,

    /// Port: the one we listen on or connect to (TCP); the one both sides bind (UDP)
    #[arg(long, default_value_t = super::DEFAULT_PORT)]
    pub port: u16,

    /// UDP: the peer's port, when it is not --port (two chats on one machine)
    #[arg(long, value_name = "PORT", requires = "peer")]
    pub peer_port: Option<u16>,

    /// Your name, sent with every message (default: $USER)
    #[arg(long, value_parser = super::parse_name, value_name = "NICK")]
    pub name: Option<String>,

    /// Print only the conversation and the report, not the narration of the socket calls
    #[arg(long, short)]
    pub quiet: bool,

    /// Colour the narration: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    #[command(flatten)]
    pub lang: crate::cli::LangArg,

    /// Show at most N received messages per second (0: all); default 50 on a terminal, all otherwise
    #[arg(long, value_name = "N", hide = true)]
    pub show_limit: Option<u32>,
}

/// `--proto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Proto {
    /// TCP: a connection carrying a byte stream.
    Tcp,
    /// UDP: separate datagrams.
    Udp,
}

/// Which side we are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// TCP, the side that waits.
    Listen,
    /// TCP, the side that calls this peer.
    Connect(String),
    /// UDP, with this peer.
    Peer(String),
}

/// `--proto` and the role must agree; a usage error (exit 2) if not.
pub fn role(args: &Args) -> Role {
    let fail = |id: &str| -> ! {
        let msg = crate::t!(id);
        if crate::i18n::lang() == crate::i18n::Lang::En {
            Args::command()
                .error(clap::error::ErrorKind::ArgumentConflict, msg)
                .exit()
        }
        // In another language, with the same words and usage as the
        // argument parser's own errors (`erro: ...`, `Uso: ...`).
        let mut cmd = crate::i18n::help::localize(Args::command().name("chat"));
        let error = cmd.error(clap::error::ErrorKind::Format, msg);
        crate::i18n::help::exit_with(error, &mut cmd, crate::i18n::lang())
    };
    match (args.proto, args.listen, &args.connect, &args.peer) {
        (Proto::Tcp, true, _, _) => Role::Listen,
        (Proto::Tcp, _, Some(peer), _) => Role::Connect(peer.clone()),
        (Proto::Udp, _, _, Some(peer)) => Role::Peer(peer.clone()),
        (Proto::Tcp, ..) => fail("chat-role-tcp"),
        (Proto::Udp, ..) => fail("chat-role-udp"),
    }
}
