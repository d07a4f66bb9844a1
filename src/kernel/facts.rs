//! What the kernel's view produces: typed facts, in the course's words.
//!
//! Pure data. A [`Call`] is one socket system call of any process, with the
//! socket it was made on ([`SockId`]) and, when the kernel told us, that
//! socket's addresses; a [`StateChange`] is the kernel's own TCP state
//! change of a socket; [`Retransmit`] and [`Reset`] are the kernel saying it
//! resent a segment or sent/received a RST. Everything that came from a
//! process (its name, its command line) is untrusted text: bounded here,
//! escaped by whoever displays it.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// A socket, numbered 1, 2, 3... in the order the tracer first saw it.
///
/// Not the kernel's pointer: that would hand a kernel address to whoever
/// reads the output. The same number is used by every fact about the
/// socket, which is what joins a process's calls to the kernel's state
/// changes exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SockId(pub u32);

impl fmt::Display for SockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sock#{}", self.0)
    }
}

/// TCP or UDP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    /// `"tcp"` or `"udp"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }
}

pub use crate::timeline::{How, SocketCall};

/// Before or after a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The process entered the call (it may now wait in it).
    Enter,
    /// The call returned.
    Return,
}

impl Phase {
    /// `"enter"` or `"return"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Enter => "enter",
            Phase::Return => "return",
        }
    }
}

/// The kernel's TCP states (`include/net/tcp_states.h`), with the RFC 9293
/// names where there is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SockState {
    Established,
    SynSent,
    SynReceived,
    FinWait1,
    FinWait2,
    TimeWait,
    Closed,
    CloseWait,
    LastAck,
    Listen,
    Closing,
    /// Linux's request socket: a SYN answered, not yet a full socket.
    NewSynReceived,
    Unknown(i32),
}

impl SockState {
    /// From the kernel's number.
    pub fn from_kernel(n: i32) -> SockState {
        match n {
            1 => SockState::Established,
            2 => SockState::SynSent,
            3 => SockState::SynReceived,
            4 => SockState::FinWait1,
            5 => SockState::FinWait2,
            6 => SockState::TimeWait,
            7 => SockState::Closed,
            8 => SockState::CloseWait,
            9 => SockState::LastAck,
            10 => SockState::Listen,
            11 => SockState::Closing,
            12 => SockState::NewSynReceived,
            n => SockState::Unknown(n),
        }
    }

    /// The RFC's name: `SYN-SENT`, `FIN-WAIT-1`, `CLOSED`...
    pub fn as_str(self) -> &'static str {
        match self {
            SockState::Established => "ESTABLISHED",
            SockState::SynSent => "SYN-SENT",
            SockState::SynReceived => "SYN-RECEIVED",
            SockState::FinWait1 => "FIN-WAIT-1",
            SockState::FinWait2 => "FIN-WAIT-2",
            SockState::TimeWait => "TIME-WAIT",
            SockState::Closed => "CLOSED",
            SockState::CloseWait => "CLOSE-WAIT",
            SockState::LastAck => "LAST-ACK",
            SockState::Listen => "LISTEN",
            SockState::Closing => "CLOSING",
            SockState::NewSynReceived => "NEW-SYN-RECEIVED",
            SockState::Unknown(_) => "UNKNOWN",
        }
    }
}

impl fmt::Display for SockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SockState::Unknown(n) => write!(f, "state {n}"),
            s => f.write_str(s.as_str()),
        }
    }
}

/// One socket call of one process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// Realtime clock (the pcap's), since the Unix epoch.
    pub t: Duration,
    /// The process (what `ps` shows), and the thread that made the call.
    pub pid: u32,
    pub tid: u32,
    /// As a student would name it: `python3 servidor.py`, `nc`, `tcp_server`.
    /// Untrusted (from /proc/PID/cmdline), bounded to [`MAX_PROG`] chars.
    pub prog: String,
    pub call: SocketCall,
    /// The system call: `sendto`, `write`, `accept4`... Empty when the call
    /// was seen only from the socket layer (`sock_send_length` for a
    /// system call not followed, e.g. `write()` outside `-- PROGRAM`).
    pub syscall: &'static str,
    pub phase: Phase,
    /// The descriptor the call was made on (the listening one for accept).
    pub fd: Option<i32>,
    /// The socket: for `accept`'s return, the new connection's socket.
    pub sock: Option<SockId>,
    pub proto: Option<Proto>,
    /// What the call returned (on success): bytes, a new descriptor, 0.
    pub result: Option<i64>,
    /// Why it failed: the errno (see [`errno_name`]).
    pub errno: Option<i32>,
    /// The socket's addresses as the kernel knew them at that moment;
    /// `None` while not known (a client's port before its SYN, or UDP when
    /// /proc could not tell).
    pub local: Option<SocketAddr>,
    pub peer: Option<SocketAddr>,
    /// Enter: the bytes offered (`send`) or room given (`recv`); return:
    /// the bytes the kernel moved.
    pub bytes: Option<u64>,
}

/// The kernel changed a TCP socket's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateChange {
    pub t: Duration,
    pub sock: SockId,
    pub old: SockState,
    pub new: SockState,
    pub local: Option<SocketAddr>,
    pub peer: Option<SocketAddr>,
    /// The process whose call made the change (`connect`, `close`...);
    /// `None` when the network code did it on its own (a segment arrived,
    /// a timer fired), whatever task happened to be running then.
    pub pid: Option<u32>,
    pub prog: Option<String>,
}

/// The kernel resent a segment (`tcp_retransmit_skb`) or a SYN-ACK
/// (`tcp_retransmit_synack`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retransmit {
    pub t: Duration,
    pub sock: Option<SockId>,
    pub state: Option<SockState>,
    pub synack: bool,
    pub local: Option<SocketAddr>,
    pub peer: Option<SocketAddr>,
}

/// The kernel sent (`tcp_send_reset`) or received (`tcp_receive_reset`) a
/// RST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reset {
    pub t: Duration,
    pub sent: bool,
    /// `None` for a RST answering a segment no socket wanted (a refused
    /// connection's SYN).
    pub sock: Option<SockId>,
    pub state: Option<SockState>,
    pub local: Option<SocketAddr>,
    pub peer: Option<SocketAddr>,
}

/// One thing the kernel's view learned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelFact {
    Call(Call),
    State(StateChange),
    Retransmit(Retransmit),
    Reset(Reset),
    /// The kernel dropped events (its buffer was full): said when seen,
    /// with the number when the kernel counted it.
    Lost {
        cpu: usize,
        events: Option<u64>,
    },
    /// An event whose records did not match its format: turned off, said
    /// once.
    Disabled {
        event: String,
        why: String,
    },
    /// A thread making thousands of calls a second on sockets nobody asked
    /// about: its sends, receives and closes are filtered out in the kernel
    /// from now on (until it makes a call worth showing).
    Quieted {
        tid: u32,
        pid: u32,
        prog: String,
    },
}

impl KernelFact {
    /// When it happened (`None` for the notices).
    pub fn t(&self) -> Option<Duration> {
        match self {
            KernelFact::Call(c) => Some(c.t),
            KernelFact::State(s) => Some(s.t),
            KernelFact::Retransmit(r) => Some(r.t),
            KernelFact::Reset(r) => Some(r.t),
            KernelFact::Lost { .. } | KernelFact::Disabled { .. } | KernelFact::Quieted { .. } => {
                None
            }
        }
    }
}

/// Longest program name kept (characters).
pub const MAX_PROG: usize = 96;

/// The C name of the errnos a socket program meets; `None` for others.
pub fn errno_name(errno: i32) -> Option<&'static str> {
    Some(match errno {
        1 => "EPERM",
        2 => "ENOENT",
        4 => "EINTR",
        9 => "EBADF",
        11 => "EAGAIN",
        13 => "EACCES",
        14 => "EFAULT",
        22 => "EINVAL",
        24 => "EMFILE",
        32 => "EPIPE",
        88 => "ENOTSOCK",
        95 => "EOPNOTSUPP",
        97 => "EAFNOSUPPORT",
        98 => "EADDRINUSE",
        99 => "EADDRNOTAVAIL",
        101 => "ENETUNREACH",
        103 => "ECONNABORTED",
        104 => "ECONNRESET",
        105 => "ENOBUFS",
        106 => "EISCONN",
        107 => "ENOTCONN",
        110 => "ETIMEDOUT",
        111 => "ECONNREFUSED",
        113 => "EHOSTUNREACH",
        114 => "EALREADY",
        115 => "EINPROGRESS",
        // The kernel's own codes for "interrupted by a signal": a system
        // call's exit record shows them before the signal is delivered.
        512 => "ERESTARTSYS",
        513 => "ERESTARTNOINTR",
        514 => "ERESTARTNOHAND",
        516 => "ERESTART_RESTARTBLOCK",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_state_numbers_get_rfc_names() {
        assert_eq!(SockState::from_kernel(2).as_str(), "SYN-SENT");
        assert_eq!(SockState::from_kernel(4).to_string(), "FIN-WAIT-1");
        assert_eq!(SockState::from_kernel(7), SockState::Closed);
        assert_eq!(SockState::from_kernel(99).to_string(), "state 99");
    }

    #[test]
    fn shutdown_arguments_and_errnos() {
        assert_eq!(How::from_arg(1), How::Write);
        assert_eq!(How::from_arg(1).as_str(), "SHUT_WR");
        assert_eq!(How::from_arg(7), How::Other(7));
        assert_eq!(errno_name(111), Some("ECONNREFUSED"));
        assert_eq!(errno_name(104), Some("ECONNRESET"));
        assert_eq!(errno_name(512), Some("ERESTARTSYS"));
        assert_eq!(errno_name(4000), None);
    }
}
