//! What a socket call returned, as the kernel's record says it: typed, so
//! that each language words it (`i18n::en::kernel_result` and its twin in
//! `i18n::pt_br`) and the words never have to be parsed back.

use super::facts::{Call, Proto, SocketCall};
use std::net::SocketAddr;

/// What one call returned, from its exit record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelReturn {
    /// The call failed with this errno.
    Errno(i32),
    /// `accept()` or `socket()`: a new socket (`accept`'s, for this peer
    /// when the kernel knew it).
    NewSocket { peer: Option<SocketAddr> },
    /// `recv()` of 0 bytes on TCP: the peer's FIN had arrived.
    PeerClosed,
    /// `n` bytes moved, from `from` for a `recvfrom()` that knows it.
    Bytes { n: u64, from: Option<SocketAddr> },
    /// Success, with nothing more to say.
    Ok,
}

impl KernelReturn {
    /// What `c` returned (meaningful on its return).
    pub fn of(c: &Call) -> KernelReturn {
        if let Some(e) = c.errno {
            return KernelReturn::Errno(e);
        }
        match c.call {
            SocketCall::Accept => KernelReturn::NewSocket { peer: c.peer },
            SocketCall::Socket => KernelReturn::NewSocket { peer: None },
            SocketCall::Recv | SocketCall::Recvfrom
                if c.bytes == Some(0) && c.proto == Some(Proto::Tcp) =>
            {
                KernelReturn::PeerClosed
            }
            SocketCall::Recvfrom => match c.bytes {
                Some(n) => KernelReturn::Bytes { n, from: c.peer },
                None => KernelReturn::Ok,
            },
            SocketCall::Send | SocketCall::Recv | SocketCall::Sendto => match c.bytes {
                Some(n) => KernelReturn::Bytes { n, from: None },
                None => KernelReturn::Ok,
            },
            _ => KernelReturn::Ok,
        }
    }
}
