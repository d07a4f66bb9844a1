//! The plain-words annotation of each segment, for a second-year student.
//!
//! One or two short sentences, numbers included. Sequence numbers in the
//! notes are relative (the first data byte is 1), except the initial
//! sequence numbers, which are given as on the wire.

use crate::wire::TcpOptions;

use super::classify::Side;
use super::state::TcpState;

/// How long Linux keeps a socket in TIME-WAIT (2×MSL), for the notes.
const LINUX_TIME_WAIT_SECS: u32 = 60;

/// "Client" or "Server", to start a sentence.
fn cap(side: Side) -> &'static str {
    match side {
        Side::Client => "Client",
        Side::Server => "Server",
    }
}

/// "MSS 65495, window scale 7, SACK permitted, timestamps", or "" if none.
pub(super) fn options_text(o: &TcpOptions) -> String {
    let mut parts = Vec::new();
    if let Some(mss) = o.mss {
        parts.push(format!("MSS {mss}"));
    }
    if let Some(ws) = o.wscale {
        parts.push(format!(
            "window scale {ws} (windows × {})",
            1u64 << ws.min(14)
        ));
    }
    if o.sack_permitted {
        parts.push("SACK permitted".to_string());
    }
    if o.timestamps.is_some() {
        parts.push("timestamps".to_string());
    }
    parts.join(", ")
}

/// ", options MSS 65495, ..." clause, or nothing.
fn options_clause(o: &TcpOptions) -> String {
    let text = options_text(o);
    if text.is_empty() {
        String::new()
    } else {
        format!(", options {text}")
    }
}

/// Step 1/3: the SYN.
pub(super) fn syn(isn: u32, options: &TcpOptions) -> String {
    format!(
        "handshake 1/3: the client asks to connect with SYN, initial sequence number (ISN) \
         {isn}{}. Client SYN-SENT, server LISTEN → SYN-RECEIVED.",
        options_clause(options)
    )
}

/// Step 2/3: the SYN-ACK. `client_isn` is `None` when the ack does not
/// match the client's SYN; `syn_seen` says whether the SYN was captured.
pub(super) fn synack(
    isn: u32,
    rel_ack: u32,
    client_isn: Option<u32>,
    syn_seen: bool,
    options: &TcpOptions,
) -> String {
    let ack_part = match client_isn {
        Some(c) if syn_seen => format!(
            "ack {rel_ack} = the client's ISN {c} + 1: the SYN counts as one byte in sequence space"
        ),
        Some(c) => format!(
            "ack {rel_ack} = the client's ISN {c} + 1 (its SYN was not captured): \
             the SYN counts as one byte in sequence space"
        ),
        None => format!("ack {rel_ack} does not match the client's ISN + 1"),
    };
    format!(
        "handshake 2/3: the server accepts with SYN-ACK, its own ISN {isn}{}; {ack_part}. \
         The client is ESTABLISHED (connect() returns).",
        options_clause(options)
    )
}

/// Step 3/3: the ACK of the SYN-ACK.
pub(super) fn handshake_ack(rel_ack: u32, server_isn: u32) -> String {
    format!(
        "handshake 3/3: the client acknowledges the server's SYN (ack {rel_ack} = the server's ISN \
         {server_isn} + 1); both sides are ESTABLISHED and accept() can return the connection."
    )
}

/// "client sends 6 bytes (seq 1..7)."
pub(super) fn data(me: Side, len: u32, rel_seq: u32) -> String {
    format!(
        "{me} sends {len} {} (seq {rel_seq}..{}).",
        bytes_word(len),
        rel_seq.wrapping_add(len)
    )
}

/// Appended to a data note when that segment's ACK completes the handshake.
pub(super) fn data_completes_handshake() -> &'static str {
    " Its ACK also completes the handshake (step 3/3): both sides are ESTABLISHED."
}

/// The half-close sentence: data after the other side's FIN.
pub(super) fn half_close(closer: Side, me: Side, len: u32, rel_seq: u32) -> String {
    format!(
        "half-close: the {closer} has finished sending (shutdown(SHUT_WR)) but the {me} still \
         sends {len} {} (seq {rel_seq}..{}).",
        bytes_word(len),
        rel_seq.wrapping_add(len)
    )
}

/// A pure ACK that acknowledges new bytes (or nothing new).
pub(super) fn ack(me: Side, acked: Option<u32>, rel_ack: u32) -> String {
    match acked {
        Some(0) => format!("{me} acknowledges nothing new: next expected byte is still {rel_ack}."),
        Some(n) => format!(
            "{me} acknowledges {n} {}: next expected byte is {rel_ack}.",
            bytes_word(n)
        ),
        None => format!("{me} acknowledges: next expected byte is {rel_ack}."),
    }
}

/// The n-th duplicate ACK.
pub(super) fn dup_ack(me: Side, n: u32, rel_ack: u32) -> String {
    format!(
        "duplicate ACK #{n}: the {me} still expects byte {rel_ack} although more was sent \
         (3 duplicate ACKs trigger fast retransmit)."
    )
}

/// A pure ACK that only changes the window.
pub(super) fn window_update(me: Side, window: u64, old: u64, rel_ack: u32) -> String {
    format!(
        "window update: the {me}'s receive window is now {window} bytes (was {old}); \
         next expected byte is still {rel_ack}."
    )
}

/// Appended when the window is 0.
pub(super) fn zero_window(me: Side) -> String {
    format!(
        " Window 0: the {me}'s receive buffer is full: the {} must wait.",
        me.other()
    )
}

/// A keep-alive probe.
pub(super) fn keep_alive(me: Side, len: u32, rel_seq: u32) -> String {
    let what = if len == 0 {
        "an empty segment".to_string()
    } else {
        format!("{len} old byte")
    };
    format!(
        "keep-alive probe: on an idle connection the {me} sends {what} with seq {rel_seq} = \
         next − 1, to check that the {} is still there (it must answer with an ACK).",
        me.other()
    )
}

/// A zero-window probe (same shape as a keep-alive, but the peer's window is 0).
pub(super) fn zero_window_probe(me: Side, rel_seq: u32) -> String {
    format!(
        "zero-window probe: the {}'s window is 0, so the {me} sends seq {rel_seq} = next − 1 \
         to ask whether it has opened.",
        me.other()
    )
}

/// The answer to a keep-alive probe.
pub(super) fn keep_alive_ack(me: Side, rel_ack: u32) -> String {
    format!(
        "the {me} answers the keep-alive probe: it is still there (next expected byte {rel_ack})."
    )
}

/// What was sent again.
pub(super) enum Resent {
    Syn { isn: u32 },
    SynAck,
    Fin { rel_seq: u32 },
    Data { rel_seq: u32, len: u32, fast: bool },
}

/// A retransmission.
pub(super) fn retransmission(me: Side, what: Resent) -> String {
    match what {
        Resent::Syn { isn } => format!(
            "retransmission: the {me} sends its SYN again (same ISN {isn}): no SYN-ACK came back \
             in time (Linux waits 1 s, then 2 s, 4 s...)."
        ),
        Resent::SynAck => format!(
            "retransmission: the {me} sends its SYN-ACK again: the {}'s ACK did not arrive in time.",
            me.other()
        ),
        Resent::Fin { rel_seq } => format!(
            "retransmission: the {me} sends its FIN (seq {rel_seq}) again: it was not \
             acknowledged in time."
        ),
        Resent::Data { rel_seq, len, fast } => {
            let why = if fast {
                format!(
                    "fast retransmit after 3 duplicate ACKs from the {}",
                    me.other()
                )
            } else {
                "they were not acknowledged in time (lost, or their ACK was)".to_string()
            };
            format!(
                "retransmission: the {me} sends bytes {rel_seq}..{} again: {why}.",
                rel_seq.wrapping_add(len)
            )
        }
    }
}

/// Step 1 of the teardown: the first FIN.
pub(super) fn teardown_first_fin(
    me: Side,
    fin_rel_seq: u32,
    len: u32,
    states: [TcpState; 2],
) -> String {
    let peer = me.other();
    format!(
        "teardown 1: the {me} sends {}FIN (seq {fin_rel_seq}): it has nothing more to send. \
         {} {}, {peer} {} (recv() there will return 0).",
        last_bytes(len, fin_rel_seq),
        cap(me),
        states[me.index()],
        states[peer.index()]
    )
}

/// How the second FIN relates to the first.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum SecondFin {
    /// The first FIN was acknowledged earlier, by its own segment.
    AfterAck,
    /// This FIN also acknowledges the first FIN (step 2 folded in).
    Folded,
    /// This FIN does not acknowledge the first FIN: simultaneous close.
    Simultaneous,
}

/// Step 3 of the teardown: the other side's FIN.
pub(super) fn teardown_second_fin(
    me: Side,
    kind: SecondFin,
    fin_rel_seq: u32,
    rel_ack: u32,
    len: u32,
    states: [TcpState; 2],
) -> String {
    let peer = me.other();
    let data = last_bytes(len, fin_rel_seq);
    match kind {
        SecondFin::AfterAck => format!(
            "teardown 3: the {me} sends {data}FIN (seq {fin_rel_seq}): it has nothing more to send \
             either. {} {}; the {peer} receives it, enters {} and answers with the last ACK.",
            cap(me),
            states[me.index()],
            states[peer.index()]
        ),
        SecondFin::Folded => format!(
            "teardown 3: the {me}'s {data}FIN (seq {fin_rel_seq}) also acknowledges the {peer}'s \
             FIN (ack {rel_ack}): the ACK of step 2 is folded into this FIN, so the teardown is \
             three-way, still the four steps, in three segments. {} {}, {peer} {}.",
            cap(me),
            states[me.index()],
            states[peer.index()]
        ),
        SecondFin::Simultaneous => format!(
            "teardown 3: the {me}'s {data}FIN (seq {fin_rel_seq}) does not acknowledge the {peer}'s \
             FIN: both sides closed at the same time (simultaneous close). Both are now {} and \
             wait for the ACK of their own FIN.",
            states[me.index()]
        ),
    }
}

/// "its last 5 bytes (seq 2..7) and " for a FIN that carries data.
fn last_bytes(len: u32, fin_rel_seq: u32) -> String {
    if len == 0 {
        String::new()
    } else {
        format!(
            "its last {len} {} (seq {}..{fin_rel_seq}) and ",
            bytes_word(len),
            fin_rel_seq.wrapping_sub(len)
        )
    }
}

/// The ACK of a FIN: step 2 (of the first FIN) or step 4 (of the second).
pub(super) fn teardown_fin_ack(me: Side, step: u8, rel_ack: u32, states: [TcpState; 2]) -> String {
    let peer = me.other();
    let peer_state = states[peer.index()];
    let tail = match peer_state {
        TcpState::FinWait2 => format!("The {peer} waits in FIN-WAIT-2 for the {me}'s FIN."),
        TcpState::Closed if states[me.index()] == TcpState::TimeWait => format!(
            "The {peer} is CLOSED; the {me} stays in TIME-WAIT for 2×MSL ({LINUX_TIME_WAIT_SECS} s \
             on Linux) so that late segments die out."
        ),
        TcpState::Closed => format!("The {peer} is CLOSED."),
        TcpState::TimeWait if states[me.index()] == TcpState::TimeWait => format!(
            "{} CLOSING → TIME-WAIT: both sides now stay in TIME-WAIT for 2×MSL \
             ({LINUX_TIME_WAIT_SECS} s on Linux).",
            cap(peer)
        ),
        TcpState::TimeWait => format!("{} CLOSING → TIME-WAIT.", cap(peer)),
        other => format!("{} {other}.", cap(peer)),
    };
    format!("teardown {step}: the {me} acknowledges the {peer}'s FIN (ack {rel_ack}). {tail}")
}

/// Appended to a data segment that also acknowledges the first FIN.
pub(super) fn data_acks_fin(peer: Side, rel_ack: u32, peer_state: TcpState) -> String {
    format!(
        " It also acknowledges the {peer}'s FIN (teardown 2, ack {rel_ack}): {peer} {peer_state}."
    )
}

/// An RST.
pub(super) fn reset(me: Side) -> String {
    format!(
        "reset: the {me} aborts the connection with RST; both sides are CLOSED at once and data \
         not yet read is lost. Usual causes: SO_LINGER 0 at close, close() with unread data in \
         the receive buffer, or a segment for a connection that no longer exists."
    )
}

/// An RST that answers the SYN.
pub(super) fn refused(port: u16) -> String {
    format!(
        "reset: connection refused: nothing listens on that port ({port}), so the server's host \
         answers the SYN with RST; connect() fails with ECONNREFUSED."
    )
}

/// An RST after the connection already ended.
pub(super) fn late_reset(me: Side) -> String {
    format!(
        "reset after the connection ended: the {me} sends RST for a segment of a connection that \
         no longer exists; both sides are CLOSED."
    )
}

/// A segment after the connection was reset.
pub(super) fn after_reset(me: Side) -> String {
    format!(
        "late segment from the {me} after the reset: the connection no longer exists, so it is \
         answered with RST or dropped."
    )
}

/// A segment without the ACK flag that is neither SYN nor RST.
pub(super) fn no_ack(me: Side) -> String {
    format!("{me} sends a segment without the ACK flag: unusual after the handshake.")
}

/// A second FIN from the side that already closed, at another sequence number.
pub(super) fn odd_fin(me: Side) -> String {
    format!("the {me} sends another FIN at a different sequence number: unusual.")
}

/// A segment for a connection over the table's size limit.
pub(super) fn untracked(max: usize) -> String {
    format!(
        "not tracked: already {max} connections are being followed; this segment is counted \
         but not analysed (numbers are absolute)."
    )
}

fn bytes_word(n: u32) -> &'static str {
    if n == 1 {
        "byte"
    } else {
        "bytes"
    }
}
