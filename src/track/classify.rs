//! The words the tracker uses for what it sees: which way a segment goes,
//! which step it is, the labels on it, and how a connection opened and
//! closed.

use std::fmt;

use crate::wire::TcpOptions;

/// Which way a segment travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    /// From the client (the side that sent the SYN) to the server.
    C2S,
    /// From the server to the client.
    S2C,
}

impl Dir {
    /// `"c2s"` or `"s2c"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Dir::C2S => "c2s",
            Dir::S2C => "s2c",
        }
    }

    /// The side that sends in this direction.
    pub fn sender(self) -> Side {
        match self {
            Dir::C2S => Side::Client,
            Dir::S2C => Side::Server,
        }
    }
}

impl fmt::Display for Dir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The side that sent the SYN (`connect()`).
    Client,
    /// The side that answered it (`listen()` and `accept()`).
    Server,
}

impl Side {
    /// `"client"` or `"server"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
        }
    }

    /// The other end.
    pub fn other(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }

    /// Index into per-side arrays: client 0, server 1.
    pub(super) fn index(self) -> usize {
        match self {
            Side::Client => 0,
            Side::Server => 1,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one segment does in the life of its connection.
///
/// Teardown steps are numbered by role, whatever the order on the wire:
/// 1 = the first FIN, 2 = the ACK of that FIN, 3 = the other side's FIN,
/// 4 = the ACK of that second FIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// SYN: the client asks to connect.
    Handshake1,
    /// SYN-ACK: the server accepts.
    Handshake2,
    /// ACK of the SYN-ACK: both sides established.
    Handshake3,
    /// Carries new payload bytes (with or without an ACK).
    Data,
    /// A pure ACK (no payload, no SYN/FIN/RST).
    Ack,
    /// The first FIN of the connection (the active closer's).
    Teardown1,
    /// The ACK of the first FIN, in its own segment.
    Teardown2,
    /// The other side's FIN (possibly acknowledging the first FIN too).
    Teardown3,
    /// The ACK of the second FIN.
    Teardown4,
    /// RST: the connection is aborted (or refused).
    Reset,
    /// A segment whose sequence range was already sent.
    Retransmission,
    /// Anything else (keep-alive probes, late or odd segments).
    Other,
}

impl Step {
    /// `"handshake-1"` ... `"teardown-4"`, `"reset"`, `"retransmission"`,
    /// `"other"`, `"data"`, `"ack"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Handshake1 => "handshake-1",
            Step::Handshake2 => "handshake-2",
            Step::Handshake3 => "handshake-3",
            Step::Data => "data",
            Step::Ack => "ack",
            Step::Teardown1 => "teardown-1",
            Step::Teardown2 => "teardown-2",
            Step::Teardown3 => "teardown-3",
            Step::Teardown4 => "teardown-4",
            Step::Reset => "reset",
            Step::Retransmission => "retransmission",
            Step::Other => "other",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something worth pointing out about one segment, besides its step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Label {
    /// Its sequence range was already sent in this direction.
    Retransmission,
    /// Bytes never seen before on this capture that arrive after later
    /// ones: reordered on the way, not sent twice.
    OutOfOrder,
    /// The n-th duplicate ACK in a row (3 trigger fast retransmit).
    DupAck(u32),
    /// The sender advertises a window of 0: its receive buffer is full.
    ZeroWindow,
    /// A probe (seq = next − 1) sent while the peer's window is 0.
    ZeroWindowProbe,
    /// A pure ACK that only changes the advertised window.
    WindowUpdate,
    /// A keep-alive probe (seq = next − 1, 0 or 1 byte, on an idle connection).
    KeepAlive,
    /// The answer to a keep-alive probe.
    KeepAliveAck,
    /// Data flowing after the other side's FIN.
    HalfClose,
    /// The options of a SYN or SYN-ACK.
    SynOptions(TcpOptions),
    /// The kernel's own tracing confirms it: it resent this segment, or
    /// sent this RST.
    KernelConfirmed,
    /// The link between the hosts dropped it after the capture point.
    LostOnLink,
    /// The second copy the link made of a frame.
    LinkCopy,
}

impl fmt::Display for Label {
    /// Short kebab-case tags: `retransmission`, `dup-ack-2`, `zero-window`,
    /// `syn-options(mss=65495,wscale=7,sack,ts)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Label::Retransmission => f.write_str("retransmission"),
            Label::OutOfOrder => f.write_str("out-of-order"),
            Label::DupAck(n) => write!(f, "dup-ack-{n}"),
            Label::ZeroWindow => f.write_str("zero-window"),
            Label::ZeroWindowProbe => f.write_str("zero-window-probe"),
            Label::WindowUpdate => f.write_str("window-update"),
            Label::KeepAlive => f.write_str("keep-alive"),
            Label::KeepAliveAck => f.write_str("keep-alive-ack"),
            Label::HalfClose => f.write_str("half-close"),
            Label::KernelConfirmed => f.write_str("kernel-confirmed"),
            Label::LostOnLink => f.write_str("lost-on-link"),
            Label::LinkCopy => f.write_str("link-copy"),
            Label::SynOptions(o) => {
                let mut parts = Vec::new();
                if let Some(mss) = o.mss {
                    parts.push(format!("mss={mss}"));
                }
                if let Some(ws) = o.wscale {
                    parts.push(format!("wscale={ws}"));
                }
                if o.sack_permitted {
                    parts.push("sack".to_string());
                }
                if o.timestamps.is_some() {
                    parts.push("ts".to_string());
                }
                write!(f, "syn-options({})", parts.join(","))
            }
        }
    }
}

/// How the connection opened, as far as the capture saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Handshake {
    /// SYN-ACK and the ACK that acknowledges it were seen (normally the SYN too).
    Complete,
    /// The SYN was answered by RST: nothing listens on that port.
    Refused,
    /// A SYN or SYN-ACK was seen, but not the ACK that completes it.
    Incomplete,
    /// Neither SYN nor SYN-ACK was seen: the capture started mid-connection.
    NotSeen,
}

impl Handshake {
    /// `"complete"`, `"refused"`, `"incomplete"` or `"not-seen"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Handshake::Complete => "complete",
            Handshake::Refused => "refused",
            Handshake::Incomplete => "incomplete",
            Handshake::NotSeen => "not-seen",
        }
    }
}

impl fmt::Display for Handshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the connection closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Teardown {
    /// FIN, ACK, FIN, ACK: four separate segments.
    FourWay,
    /// FIN, FIN-ACK, ACK: the second FIN also acknowledges the first.
    ThreeWay,
    /// Both FINs were sent before either was acknowledged.
    Simultaneous,
    /// Ended by RST (including a refused connection).
    Reset,
    /// Not ended when the capture stopped.
    Open,
}

impl Teardown {
    /// `"four-way"`, `"three-way"`, `"simultaneous"`, `"reset"` or `"open"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Teardown::FourWay => "four-way",
            Teardown::ThreeWay => "three-way",
            Teardown::Simultaneous => "simultaneous",
            Teardown::Reset => "reset",
            Teardown::Open => "open",
        }
    }
}

impl fmt::Display for Teardown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
