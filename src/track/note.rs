//! What the tracker says about a segment or a datagram, as typed facts.
//!
//! The tracker never writes prose: it hands out a [`Note`] carrying the
//! numbers it talks about (ISNs, ack = ISN + 1, bytes, who closed, which
//! step was folded, why a segment was sent again...). The sentences are
//! made from these facts in one place per language ([`crate::i18n`]), so
//! they cannot contradict the states and a second language only adds a
//! module. Sequence numbers are relative (the first data byte is 1) except
//! the initial sequence numbers, which are absolute as on the wire.

use crate::kernel::SockState;
use crate::wire::TcpOptions;

use super::classify::Side;
use super::state::TcpState;

/// The fact one segment stands for, or a fact added to it (see
/// [`super::Annotation::extra`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// Handshake 1/3: the client's SYN with its initial sequence number.
    Syn { isn: u32, options: TcpOptions },
    /// Handshake 2/3: the server's SYN-ACK, its own ISN, and what its ack
    /// says about the client's ISN.
    SynAck {
        isn: u32,
        rel_ack: u32,
        client: SynAcked,
        options: TcpOptions,
    },
    /// Handshake 3/3: the client acknowledges the server's SYN.
    HandshakeAck { rel_ack: u32, server_isn: u32 },
    /// New payload bytes.
    Data { from: Side, len: u32, rel_seq: u32 },
    /// New payload bytes after the other side's FIN.
    HalfClose {
        closer: Side,
        from: Side,
        len: u32,
        rel_seq: u32,
    },
    /// Bytes never seen before on this capture that arrive after later
    /// ones: the original, reordered, not a retransmission.
    OutOfOrder { from: Side, len: u32, rel_seq: u32 },
    /// Added to a data segment whose ACK completes the handshake.
    CompletesHandshake,
    /// Added to a data segment that also acknowledges the first FIN
    /// (teardown 2).
    AcksFin { of: Side, rel_ack: u32 },
    /// A pure ACK; `acked` is the number of new bytes it acknowledges
    /// (`None` the first time this side acknowledges anything).
    Ack {
        from: Side,
        acked: Option<u32>,
        rel_ack: u32,
    },
    /// The n-th duplicate ACK in a row (RFC 5681 §3.2).
    DupAck { from: Side, n: u32, rel_ack: u32 },
    /// A pure ACK that only changes the window (bytes, scaled).
    WindowUpdate {
        from: Side,
        window: u64,
        old: u64,
        rel_ack: u32,
    },
    /// Added when the sender's window is 0.
    ZeroWindow { from: Side },
    /// Added to the first segment whose window is scaled: `raw` as the
    /// header carries it counts units of `2^shift` bytes (the window scale
    /// both SYNs agreed on), `bytes` in all.
    WindowScaled {
        from: Side,
        raw: u16,
        shift: u8,
        bytes: u64,
    },
    /// A keep-alive probe: seq = SND.UNA − 1 with nothing outstanding.
    KeepAlive { from: Side, len: u32, rel_seq: u32 },
    /// The same shape as a keep-alive, sent while the peer's window is 0.
    ZeroWindowProbe { from: Side, rel_seq: u32 },
    /// The answer to a keep-alive probe.
    KeepAliveAck { from: Side, rel_ack: u32 },
    /// Something sent again.
    Retransmission { from: Side, what: Resent },
    /// Teardown 1: the first FIN (with `len` last bytes in it, if any).
    FirstFin {
        from: Side,
        fin_rel_seq: u32,
        len: u32,
    },
    /// Teardown 3: the other side's FIN, and how it relates to the first.
    SecondFin {
        from: Side,
        kind: SecondFin,
        fin_rel_seq: u32,
        rel_ack: u32,
        len: u32,
    },
    /// The ACK of a FIN: `step` 2 (of the first FIN) or 4 (of the second).
    FinAcked {
        from: Side,
        step: u8,
        rel_ack: u32,
        then: AfterFinAck,
    },
    /// An RST that aborts the connection.
    Reset { from: Side, cause: ResetCause },
    /// An RST that answers the SYN: nothing listens on `port`.
    Refused { port: u16 },
    /// An RST after the connection had ended.
    LateReset { from: Side },
    /// A segment after the connection was reset.
    AfterReset { from: Side },
    /// A segment after the connection had closed (not a late FIN or ACK of
    /// its teardown).
    AfterClose { from: Side },
    /// A segment without the ACK flag that is neither SYN nor RST.
    NoAck { from: Side },
    /// Another FIN, at a different sequence number, from a side that closed.
    OddFin { from: Side },
    /// The table is full: not analysed.
    Untracked { max: usize },
    /// Added to the second FIN when it crossed the first: `side` (its
    /// sender) was never in CLOSE-WAIT, as the first FIN's line had it.
    FinsCrossed { side: Side },
    /// Added when a socket call event moved a state before the wire
    /// showed it: `side` had entered close(); `queued` when this segment is
    /// data it still sends (its FIN waits behind it).
    CloseCalled { side: Side, queued: bool },
    /// Added by a renderer when a state this segment shows could not be
    /// confirmed by a later segment (see [`super::Inferred`]).
    Inferred(super::Inferred),
    /// Added by the timeline when the kernel's own state of `side`'s
    /// socket (after this segment) is not the one the wire shows.
    Kernel {
        side: Side,
        kernel: SockState,
        why: KernelDiff,
    },
    /// Added when the capture calls it a retransmission but the kernel
    /// never sent it again: the original, arriving late. Its step and
    /// labels are those of out-of-order data.
    KernelNotResent { from: Side, len: u32, rel_seq: u32 },
    /// Added when the capture calls it a retransmission and the kernel
    /// never sent it again, and the bytes were seen before: a copy made
    /// on the way (the link's duplicate, when the link says nothing).
    KernelCopy { from: Side },
    /// Added when the link between the hosts dropped this frame after it
    /// was captured: it never reached the other side, whose state does not
    /// change.
    LinkDropped { reason: LinkDrop },
    /// Added when the link held this frame for `delay_us` (of which
    /// `queued_us` in the queue before its rate limit).
    LinkDelayed { delay_us: u64, queued_us: u64 },
    /// Added when the link let `overtaken_by` later frames go first.
    LinkReordered { overtaken_by: u64 },
    /// Added when the link sent a second copy of this frame (`copy`: this
    /// is that second copy).
    LinkDuplicated { copy: bool },
    /// Added to a retransmission whose original was dropped on the link
    /// `ago_us` earlier.
    LinkLostOriginal { ago_us: u64 },
    /// Added to a retransmission whose original arrived, but whose ACK was
    /// dropped on the link `ago_us` earlier.
    LinkLostAck { ago_us: u64 },
}

/// How the kernel's own state of a socket differs from the wire's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelDiff {
    /// The wire shows TIME-WAIT; the kernel closed the full socket and a
    /// TIME-WAIT mini-socket (a small record of the connection) took its
    /// place.
    TimeWaitMiniSocket,
    /// The kernel entered FIN-WAIT-1 (or LAST-ACK) `ago_us` before this
    /// segment, at close() or shutdown(), while its FIN was still queued.
    FinQueued { ago_us: u64 },
    /// This segment never reached the socket: the kernel still had it in
    /// the state it was in before.
    NotReceived,
    /// Anything else: the kernel's state is simply another one.
    Other,
}

/// Why the link dropped a frame (the `reason` of its event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkDrop {
    /// `--loss`.
    Random,
    /// `--burst`.
    Burst,
    /// The queue before `--rate` was full.
    QueueFull,
    /// The emulator's memory bound.
    Overflow,
    /// A reason this capture does not know.
    Other,
}

impl LinkDrop {
    /// From the event's `reason`.
    pub fn from_reason(reason: &str) -> LinkDrop {
        match reason {
            "random loss" => LinkDrop::Random,
            "burst loss" => LinkDrop::Burst,
            "queue full" => LinkDrop::QueueFull,
            "too many frames in flight" => LinkDrop::Overflow,
            _ => LinkDrop::Other,
        }
    }

    /// The event's `reason`, as the link spells it (`random loss`).
    pub fn as_str(self) -> &'static str {
        match self {
            LinkDrop::Random => "random loss",
            LinkDrop::Burst => "burst loss",
            LinkDrop::QueueFull => "queue full",
            LinkDrop::Overflow => "too many frames in flight",
            LinkDrop::Other => "other",
        }
    }
}

/// What the SYN-ACK's ack says about the client's ISN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SynAcked {
    /// ack = the client's ISN + 1; `syn_seen` says whether its SYN was captured.
    Isn { client_isn: u32, syn_seen: bool },
    /// The ack is not the ISN + 1 of the SYN that was captured.
    Mismatch,
}

/// What was sent again, and what the capture point knows about why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resent {
    /// The client's SYN (same ISN). `answer_seen`: a SYN-ACK for it was
    /// captured, so that SYN-ACK had not reached the client.
    Syn { isn: u32, answer_seen: bool },
    /// The server's SYN-ACK.
    SynAck { why: SynAckWhy },
    /// A FIN. `ack_seen`: its ACK was captured, so that ACK had not reached
    /// the FIN's sender.
    Fin { rel_seq: u32, ack_seen: bool },
    /// Data bytes `rel_seq..rel_seq + len`.
    Data { rel_seq: u32, len: u32, why: Why },
}

/// Why a SYN-ACK was sent again, as far as the capture shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SynAckWhy {
    /// No ACK of it came back in time.
    NoAck,
    /// It answers the client's repeated SYN.
    SynAgain,
    /// The client's ACK of it was captured: it had not reached the server.
    AckNotReceived,
}

/// Why data was sent again, as far as the capture shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// Not acknowledged in time (lost, or their ACK was).
    Timeout,
    /// After three duplicate ACKs from the peer (fast retransmit).
    Fast,
    /// Their ACK was captured: it had not reached the sender.
    AckNotReceived,
    /// Later bytes came first and this copy is newer than them (its TCP
    /// timestamp, or the time it took): the first copy was lost before the
    /// capture point.
    FirstCopyNotSeen,
}

/// How the second FIN relates to the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFin {
    /// The first FIN was acknowledged earlier, by its own segment.
    AfterAck,
    /// This FIN also acknowledges the first FIN (step 2 folded in).
    Folded,
    /// This FIN does not acknowledge the first FIN: both crossed.
    Simultaneous,
}

/// What an ACK of a FIN leads to, for the FIN's sender (`peer`) and the
/// ACK's sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterFinAck {
    /// The FIN's sender now waits for the other FIN (FIN-WAIT-2).
    PeerWaitsForFin,
    /// The FIN's sender is done; the ACK's sender stays in TIME-WAIT.
    PeerDoneSenderWaits,
    /// The FIN's sender is done.
    PeerDone,
    /// Simultaneous close: both sides now stay in TIME-WAIT.
    BothWait,
    /// Simultaneous close: the FIN's sender leaves CLOSING for TIME-WAIT.
    PeerWaits,
    /// Anything else: the FIN's sender is in `state`.
    Other { state: TcpState },
}

/// Why a connection was reset, as far as the wire shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetCause {
    /// The wire does not say: the usual causes are listed.
    Abort,
    /// The sender had closed its socket (its FIN went first) and data came
    /// for it anyway: the kernel answers with RST.
    DataAfterClose,
}

/// What one UDP datagram is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UdpNote {
    /// The first datagram of a flow.
    First { len: u32 },
    /// The `n`-th datagram, from the side that sent the first.
    Next { len: u32, n: u64 },
    /// The `n`-th datagram, sent back to where the first came from.
    Reply { len: u32, n: u64 },
}

impl Note {
    /// A stable name for the fact (`handshake.syn`), for scripts: the JSON
    /// `note_id` field. It does not change with the language.
    pub fn id(&self) -> &'static str {
        match self {
            Note::Syn { .. } => "handshake.syn",
            Note::SynAck { .. } => "handshake.syn-ack",
            Note::HandshakeAck { .. } => "handshake.ack",
            Note::Data { .. } => "data",
            Note::HalfClose { .. } => "data.half-close",
            Note::OutOfOrder { .. } => "data.out-of-order",
            Note::CompletesHandshake => "handshake.completed-by-data",
            Note::AcksFin { .. } => "teardown.fin-acked-by-data",
            Note::Ack { .. } => "ack",
            Note::DupAck { .. } => "ack.duplicate",
            Note::WindowUpdate { .. } => "ack.window-update",
            Note::ZeroWindow { .. } => "window.zero",
            Note::WindowScaled { .. } => "window.scaled",
            Note::KeepAlive { .. } => "keep-alive",
            Note::ZeroWindowProbe { .. } => "window.zero-probe",
            Note::KeepAliveAck { .. } => "keep-alive.ack",
            Note::Retransmission { what, .. } => match what {
                Resent::Syn { .. } => "retransmission.syn",
                Resent::SynAck { .. } => "retransmission.syn-ack",
                Resent::Fin { .. } => "retransmission.fin",
                Resent::Data { .. } => "retransmission.data",
            },
            Note::FirstFin { .. } => "teardown.fin-1",
            Note::SecondFin { .. } => "teardown.fin-2",
            Note::FinAcked { .. } => "teardown.fin-acked",
            Note::Reset { .. } => "reset",
            Note::Refused { .. } => "reset.refused",
            Note::LateReset { .. } => "reset.late",
            Note::AfterReset { .. } => "late.after-reset",
            Note::AfterClose { .. } => "late.after-close",
            Note::NoAck { .. } => "odd.no-ack",
            Note::OddFin { .. } => "odd.fin",
            Note::Untracked { .. } => "untracked",
            Note::FinsCrossed { .. } => "teardown.fins-crossed",
            Note::CloseCalled { .. } => "state.close-called",
            Note::Inferred(_) => "state.inferred",
            Note::Kernel { why, .. } => match why {
                KernelDiff::TimeWaitMiniSocket => "kernel.time-wait-mini-socket",
                KernelDiff::FinQueued { .. } => "kernel.fin-queued",
                KernelDiff::NotReceived => "kernel.not-received",
                KernelDiff::Other => "kernel.state",
            },
            Note::KernelNotResent { .. } => "kernel.not-resent",
            Note::KernelCopy { .. } => "kernel.copy",
            Note::LinkDropped { .. } => "link.dropped",
            Note::LinkDelayed { .. } => "link.delayed",
            Note::LinkReordered { .. } => "link.reordered",
            Note::LinkDuplicated { copy: false } => "link.duplicated",
            Note::LinkDuplicated { copy: true } => "link.copy",
            Note::LinkLostOriginal { .. } => "link.original-dropped",
            Note::LinkLostAck { .. } => "link.ack-dropped",
        }
    }
}

impl UdpNote {
    /// A stable name for the fact, as [`Note::id`].
    pub fn id(&self) -> &'static str {
        match self {
            UdpNote::First { .. } => "udp.first",
            UdpNote::Next { .. } => "udp.next",
            UdpNote::Reply { .. } => "udp.reply",
        }
    }
}
