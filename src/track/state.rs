//! The TCP state of one endpoint, with the RFC 9293 names, and the
//! transitions the state diagram (RFC 9293 figure 5) makes on what the
//! endpoint sends or receives.
//!
//! On loopback a segment is sent and received at the same instant, so after
//! each captured segment the tracker applies both the sender's transition
//! and the receiver's.

use std::fmt;

/// The state of one TCP endpoint (RFC 9293 section 3.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TcpState {
    /// No connection.
    Closed,
    /// A server waiting for a SYN (after `listen()`).
    Listen,
    /// Sent a SYN, waiting for the SYN-ACK (inside `connect()`).
    SynSent,
    /// Received a SYN and answered it, waiting for the ACK.
    SynReceived,
    /// The handshake is done: data flows both ways.
    Established,
    /// Sent a FIN, waiting for its ACK.
    FinWait1,
    /// Its FIN is acknowledged, waiting for the peer's FIN.
    FinWait2,
    /// Received the peer's FIN, waiting for the application to `close()`.
    CloseWait,
    /// Both sides sent a FIN before receiving the other's (simultaneous close).
    Closing,
    /// Sent its FIN after the peer's, waiting for the last ACK.
    LastAck,
    /// Closed, waiting 2×MSL so that late segments of this connection die out.
    TimeWait,
    /// No socket at all on this side: nothing listened on the port (the
    /// server of a refused connection). Not an RFC state: RFC 9293's CLOSED
    /// is a socket that has no connection; here there is not even that.
    NoSocket,
}

impl TcpState {
    /// The eleven states of RFC 9293 (every state but [`TcpState::NoSocket`]).
    pub const RFC: [TcpState; 11] = [
        TcpState::Closed,
        TcpState::Listen,
        TcpState::SynSent,
        TcpState::SynReceived,
        TcpState::Established,
        TcpState::FinWait1,
        TcpState::FinWait2,
        TcpState::CloseWait,
        TcpState::Closing,
        TcpState::LastAck,
        TcpState::TimeWait,
    ];

    /// The RFC 9293 name: `"SYN-SENT"`, `"FIN-WAIT-1"`, `"TIME-WAIT"`...,
    /// and `"no-socket"` for [`TcpState::NoSocket`]: the stable value of the
    /// JSON `client_state` / `server_state` fields. People read
    /// [`crate::i18n`]'s spelling (`no socket`).
    pub fn as_str(self) -> &'static str {
        match self {
            TcpState::Closed => "CLOSED",
            TcpState::Listen => "LISTEN",
            TcpState::SynSent => "SYN-SENT",
            TcpState::SynReceived => "SYN-RECEIVED",
            TcpState::Established => "ESTABLISHED",
            TcpState::FinWait1 => "FIN-WAIT-1",
            TcpState::FinWait2 => "FIN-WAIT-2",
            TcpState::CloseWait => "CLOSE-WAIT",
            TcpState::Closing => "CLOSING",
            TcpState::LastAck => "LAST-ACK",
            TcpState::TimeWait => "TIME-WAIT",
            TcpState::NoSocket => "no-socket",
        }
    }

    /// The endpoint receives a SYN without ACK: a listener answers it.
    pub(super) fn on_syn_received(self) -> TcpState {
        match self {
            TcpState::Listen | TcpState::Closed | TcpState::SynReceived => TcpState::SynReceived,
            other => other,
        }
    }

    /// The endpoint sends a SYN-ACK (it has received the SYN).
    pub(super) fn on_synack_sent(self) -> TcpState {
        match self {
            TcpState::Listen | TcpState::Closed | TcpState::SynReceived => TcpState::SynReceived,
            other => other,
        }
    }

    /// The endpoint receives a SYN-ACK that acknowledges its SYN: it answers
    /// with the ACK of step 3 and is established.
    pub(super) fn on_synack_received(self) -> TcpState {
        match self {
            TcpState::SynSent | TcpState::Closed => TcpState::Established,
            other => other,
        }
    }

    /// The endpoint receives an ACK that covers its SYN.
    pub(super) fn on_syn_acked(self) -> TcpState {
        match self {
            TcpState::SynReceived => TcpState::Established,
            other => other,
        }
    }

    /// The endpoint receives an ACK that covers its FIN.
    pub(super) fn on_fin_acked(self) -> TcpState {
        match self {
            TcpState::FinWait1 => TcpState::FinWait2,
            TcpState::Closing => TcpState::TimeWait,
            TcpState::LastAck => TcpState::Closed,
            other => other,
        }
    }

    /// A retransmission of the endpoint's FIN shows that the ACK of it did
    /// not arrive: undo [`TcpState::on_fin_acked`].
    pub(super) fn on_fin_ack_lost(self) -> TcpState {
        match self {
            TcpState::FinWait2 => TcpState::FinWait1,
            TcpState::TimeWait => TcpState::Closing,
            TcpState::Closed => TcpState::LastAck,
            other => other,
        }
    }

    /// The endpoint sends its FIN (`close()` or `shutdown(SHUT_WR)`).
    pub(super) fn on_fin_sent(self) -> TcpState {
        match self {
            TcpState::SynReceived | TcpState::Established => TcpState::FinWait1,
            TcpState::CloseWait => TcpState::LastAck,
            other => other,
        }
    }

    /// The endpoint receives the peer's FIN (after any ACK in the same
    /// segment was processed, as RFC 9293 orders the checks).
    pub(super) fn on_fin_received(self) -> TcpState {
        match self {
            TcpState::SynReceived | TcpState::Established => TcpState::CloseWait,
            TcpState::FinWait1 => TcpState::Closing,
            TcpState::FinWait2 => TcpState::TimeWait,
            other => other,
        }
    }
}

impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::TcpState::*;

    #[test]
    fn names_are_the_rfc_names() {
        assert_eq!(SynReceived.to_string(), "SYN-RECEIVED");
        assert_eq!(FinWait1.to_string(), "FIN-WAIT-1");
        assert_eq!(TimeWait.to_string(), "TIME-WAIT");
    }

    #[test]
    fn active_close_walks_the_left_side_of_the_diagram() {
        let s = Established.on_fin_sent();
        assert_eq!(s, FinWait1);
        let s = s.on_fin_acked();
        assert_eq!(s, FinWait2);
        assert_eq!(s.on_fin_received(), TimeWait);
        // FIN-ACK in one segment: the ACK is processed before the FIN.
        assert_eq!(FinWait1.on_fin_acked().on_fin_received(), TimeWait);
        // Simultaneous close.
        assert_eq!(FinWait1.on_fin_received(), Closing);
        assert_eq!(Closing.on_fin_acked(), TimeWait);
    }

    #[test]
    fn passive_close_walks_the_right_side_of_the_diagram() {
        let s = Established.on_fin_received();
        assert_eq!(s, CloseWait);
        let s = s.on_fin_sent();
        assert_eq!(s, LastAck);
        assert_eq!(s.on_fin_acked(), Closed);
    }

    #[test]
    fn a_lost_ack_of_the_fin_undoes_its_transition() {
        for s in [FinWait1, Closing, LastAck] {
            assert_eq!(s.on_fin_acked().on_fin_ack_lost(), s);
        }
        assert_eq!(Established.on_fin_ack_lost(), Established);
    }
}
