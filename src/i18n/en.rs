//! English sentences, for a second-year student.
//!
//! One or two short sentences per fact, numbers included. The states are
//! not repeated here: every line already shows them beside the note.

use std::fmt::Write as _;

use crate::kernel::returned::KernelReturn;
use crate::kernel::{self, SockState};
use crate::timeline::{LinkEvent, LinkWhat, SocketCall, Spread};
use crate::track::note::{AfterFinAck, Resent, ResetCause, SecondFin, SynAckWhy, SynAcked, Why};
use crate::track::{
    Annotation, Inferred, KernelDiff, LinkDrop, Note, Side, TcpState, UdpNote, Until,
};
use crate::wire::TcpOptions;

/// How long Linux keeps a socket in TIME-WAIT (2×MSL), for the notes.
const LINUX_TIME_WAIT_SECS: u32 = 60;

/// The note of a segment and the facts added to it, as one paragraph.
pub fn annotation(a: &Annotation) -> String {
    let mut out = note(&a.note);
    for n in &a.extra {
        out.push(' ');
        out.push_str(&note(n));
    }
    out
}

/// A state as a person reads it: the RFC name, or `no socket`.
pub fn state(s: TcpState) -> &'static str {
    match s {
        TcpState::NoSocket => "no socket",
        other => other.as_str(),
    }
}

/// The two spellings of a SYN's options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Options {
    /// On the packet's own line, as tcpdump prints them:
    /// `mss 65495,sackOK,TS,wscale 7`.
    Terse,
    /// In a sentence: `MSS 65495, window scale 7 (windows × 128), SACK
    /// permitted, timestamps`.
    Words,
}

/// A SYN's options; `no options` (terse) or empty (words) when it has none.
pub fn options(o: &TcpOptions, form: Options) -> String {
    let mut parts: Vec<String> = Vec::new();
    match form {
        Options::Terse => {
            if let Some(m) = o.mss {
                parts.push(format!("mss {m}"));
            }
            if o.sack_permitted {
                parts.push("sackOK".into());
            }
            if o.timestamps.is_some() {
                parts.push("TS".into());
            }
            if let Some(w) = o.wscale {
                parts.push(format!("wscale {w}"));
            }
            if parts.is_empty() {
                "no options".into()
            } else {
                parts.join(",")
            }
        }
        Options::Words => {
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
                parts.push("SACK permitted".into());
            }
            if o.timestamps.is_some() {
                parts.push("timestamps".into());
            }
            parts.join(", ")
        }
    }
}

/// What one UDP datagram is.
pub fn udp(n: &UdpNote) -> String {
    match *n {
        UdpNote::First { len } => format!(
            "UDP datagram of {len} {}: no handshake precedes it and no teardown follows; it \
             stands alone.",
            bytes_word(len)
        ),
        UdpNote::Next { len, n } => format!(
            "UDP datagram of {len} {} (number {n} in this flow).",
            bytes_word(len)
        ),
        UdpNote::Reply { len, n } => format!(
            "UDP reply of {len} {} (number {n} in this flow), sent back to the address the first \
             datagram came from.",
            bytes_word(len)
        ),
    }
}

/// [`note`] appended to `out`. The notes of nearly every segment of a
/// big file (data and its acknowledgement) are written piece by piece,
/// without `format!`; the others are [`note`]'s own sentence.
pub fn note_into(out: &mut String, n: &Note) {
    use crate::textbuf::push_u32;
    match *n {
        Note::Data { from, len, rel_seq } => {
            out.push_str(side(from));
            out.push_str(" sends ");
            push_u32(out, len);
            out.push(' ');
            out.push_str(bytes_word(len));
            out.push_str(" (seq ");
            push_u32(out, rel_seq);
            out.push_str("..");
            push_u32(out, rel_seq.wrapping_add(len));
            out.push_str(").");
        }
        Note::Ack {
            from,
            acked,
            rel_ack,
        } => {
            out.push_str(side(from));
            match acked {
                Some(0) => out.push_str(" acknowledges nothing new: next expected byte is still "),
                Some(n) => {
                    out.push_str(" acknowledges ");
                    push_u32(out, n);
                    out.push(' ');
                    out.push_str(bytes_word(n));
                    out.push_str(": next expected byte is ");
                }
                None => out.push_str(" acknowledges: next expected byte is "),
            }
            push_u32(out, rel_ack);
            out.push('.');
        }
        _ => out.push_str(&note(n)),
    }
}

/// One fact as a sentence.
pub fn note(n: &Note) -> String {
    match n {
        Note::Syn { isn, options } => format!(
            "handshake 1/3: the client asks to connect with SYN, initial sequence number (ISN) \
             {isn}{}.",
            options_clause(options)
        ),
        Note::SynAck {
            isn,
            rel_ack,
            client,
            options,
        } => {
            let opts = options_clause(options);
            match client {
                SynAcked::Isn {
                    client_isn,
                    syn_seen,
                } => format!(
                    "handshake 2/3: the server accepts with SYN-ACK, its own ISN {isn}{opts}; ack \
                     {rel_ack} = the client's ISN {client_isn} + 1{}: the SYN counts as one byte \
                     in sequence space. The client's connect() returns.",
                    if *syn_seen {
                        ""
                    } else {
                        " (its SYN was not captured)"
                    }
                ),
                SynAcked::Mismatch => format!(
                    "handshake 2/3: the server accepts with SYN-ACK, its own ISN {isn}{opts}; ack \
                     {rel_ack} does not match the client's ISN + 1."
                ),
            }
        }
        Note::HandshakeAck {
            rel_ack,
            server_isn,
        } => format!(
            "handshake 3/3: the client acknowledges the server's SYN (ack {rel_ack} = the \
             server's ISN {server_isn} + 1); accept() can now return the connection."
        ),
        // Written once, by note_into (the hot path of a big file).
        Note::Data { .. } | Note::Ack { .. } => {
            let mut out = String::new();
            note_into(&mut out, n);
            out
        }
        Note::HalfClose {
            closer,
            from,
            len,
            rel_seq,
        } => format!(
            "half-close: the {} has finished sending (shutdown(SHUT_WR)) but the {} still sends \
             {len} {} ({}).",
            side(*closer),
            side(*from),
            bytes_word(*len),
            seq_range(*rel_seq, *len)
        ),
        Note::OutOfOrder { from, len, rel_seq } => format!(
            "out of order: the {}'s bytes {rel_seq}..{} arrive after later ones; they were never \
             seen before on this capture, so this is the original segment, reordered on the way, \
             not a retransmission.",
            side(*from),
            rel_seq.wrapping_add(*len)
        ),
        Note::CompletesHandshake => {
            "Its ACK also completes the handshake (step 3/3): accept() can now return the \
             connection."
                .into()
        }
        Note::AcksFin { of, rel_ack } => format!(
            "It also acknowledges the {}'s FIN (teardown 2, ack {rel_ack}).",
            side(*of)
        ),
        Note::DupAck { from, n, rel_ack } => format!(
            "duplicate ACK #{n}: the {me} repeats its last acknowledgement (ack {rel_ack}) because \
             a segment is missing: later bytes arrived, byte {rel_ack} did not, so the {me} asks \
             the {} for it again (3 duplicate ACKs trigger fast retransmit).",
            side(from.other()),
            me = side(*from)
        ),
        Note::WindowUpdate {
            from,
            window,
            old,
            rel_ack,
        } => format!(
            "window update: the {}'s receive window is now {window} bytes (was {old}); next \
             expected byte is still {rel_ack}.",
            side(*from)
        ),
        Note::ZeroWindow { from } => format!(
            "Window 0: the {}'s receive buffer is full: the {} must wait.",
            side(*from),
            side(from.other())
        ),
        Note::WindowScaled {
            from,
            raw,
            shift,
            bytes,
        } => format!(
            "Window scaling: win {raw} counts units of {} bytes (window scale {shift}, agreed in \
             the SYN and SYN-ACK), so the {}'s receive window is {bytes} bytes; the windows of \
             the SYN and SYN-ACK themselves are never scaled.",
            1u64 << shift,
            side(*from)
        ),
        Note::KeepAlive { from, len, rel_seq } => {
            let what = if *len == 0 {
                "an empty segment".to_string()
            } else {
                format!("{len} old byte")
            };
            format!(
                "keep-alive probe: on an idle connection the {} sends {what} with seq {rel_seq} = \
                 next − 1, to check that the {} is still there (it must answer with an ACK).",
                side(*from),
                side(from.other())
            )
        }
        Note::ZeroWindowProbe { from, rel_seq } => format!(
            "zero-window probe: the {}'s window is 0, so the {} sends seq {rel_seq} = next − 1 to \
             ask whether it has opened.",
            side(from.other()),
            side(*from)
        ),
        Note::KeepAliveAck { from, rel_ack } => format!(
            "the {} answers the keep-alive probe: it is still there (next expected byte \
             {rel_ack}).",
            side(*from)
        ),
        Note::Retransmission { from, what } => retransmission(*from, what),
        Note::FirstFin {
            from,
            fin_rel_seq,
            len,
        } => format!(
            "teardown 1: the {} sends {}FIN (seq {fin_rel_seq}): it has nothing more to send; \
             recv() on the {} will return 0.",
            side(*from),
            last_bytes(*len, *fin_rel_seq),
            side(from.other())
        ),
        Note::SecondFin {
            from,
            kind,
            fin_rel_seq,
            rel_ack,
            len,
        } => {
            let (me, peer) = (side(*from), side(from.other()));
            let data = last_bytes(*len, *fin_rel_seq);
            match kind {
                SecondFin::AfterAck => format!(
                    "teardown 3: the {me} sends {data}FIN (seq {fin_rel_seq}): it has nothing more \
                     to send either; the {peer} answers it with the last ACK."
                ),
                SecondFin::Folded => format!(
                    "teardown 3: the {me}'s {data}FIN (seq {fin_rel_seq}) also acknowledges the \
                     {peer}'s FIN (ack {rel_ack}): the ACK of step 2 is folded into this FIN, so \
                     the teardown is three-way, still the four steps, in three segments."
                ),
                SecondFin::Simultaneous => format!(
                    "teardown 3: the {me}'s {data}FIN (seq {fin_rel_seq}) does not acknowledge the \
                     {peer}'s FIN: both sides closed at the same time (simultaneous close), and \
                     each now waits for the ACK of its own FIN."
                ),
            }
        }
        Note::FinAcked {
            from,
            step,
            rel_ack,
            then,
        } => {
            let (me, peer) = (side(*from), side(from.other()));
            let mut s =
                format!("teardown {step}: the {me} acknowledges the {peer}'s FIN (ack {rel_ack}).");
            let tail = match then {
                AfterFinAck::PeerWaitsForFin => format!("The {peer} now waits for the {me}'s FIN."),
                AfterFinAck::PeerDoneSenderWaits => format!(
                    "The {peer} is done; the {me} stays in TIME-WAIT for 2×MSL \
                     ({LINUX_TIME_WAIT_SECS} s on Linux) so that late segments die out."
                ),
                AfterFinAck::PeerDone => format!("The {peer} is done."),
                AfterFinAck::BothWait => format!(
                    "Both sides now stay in TIME-WAIT for 2×MSL ({LINUX_TIME_WAIT_SECS} s on \
                     Linux)."
                ),
                AfterFinAck::PeerWaits => format!(
                    "The {peer} now stays in TIME-WAIT for 2×MSL ({LINUX_TIME_WAIT_SECS} s on \
                     Linux)."
                ),
                AfterFinAck::Other { .. } => String::new(),
            };
            if !tail.is_empty() {
                s.push(' ');
                s.push_str(&tail);
            }
            s
        }
        Note::Reset { from, cause } => match cause {
            ResetCause::Abort => format!(
                "reset: the {} aborts the connection with RST: it ends at once, without a \
                 teardown, and data not yet read is lost. Usual causes: SO_LINGER 0 at close, \
                 close() with unread data in the receive buffer, or a segment for a connection \
                 that no longer exists.",
                side(*from)
            ),
            ResetCause::DataAfterClose => format!(
                "reset: the {} had closed its socket (its FIN went first) and data still came for \
                 it, so its kernel answers with RST: the connection ends at once and that data is \
                 lost.",
                side(*from)
            ),
        },
        Note::Refused { port } => format!(
            "reset: connection refused: nothing listens on port {port}, so there is no server \
             socket at all: the server's host (its kernel) answers the SYN with RST and connect() \
             fails with ECONNREFUSED."
        ),
        Note::LateReset { from } => format!(
            "reset after the connection ended: the {} sends RST for a segment of a connection that \
             no longer exists.",
            side(*from)
        ),
        Note::AfterReset { from } => format!(
            "late segment from the {} after the reset: the connection no longer exists, so it is \
             answered with RST or dropped.",
            side(*from)
        ),
        Note::AfterClose { from } => format!(
            "late segment from the {} after the connection closed: it no longer exists, so it is \
             answered with RST or dropped.",
            side(*from)
        ),
        Note::NoAck { from } => format!(
            "{} sends a segment without the ACK flag: unusual after the handshake.",
            side(*from)
        ),
        Note::OddFin { from } => format!(
            "the {} sends another FIN at a different sequence number: unusual.",
            side(*from)
        ),
        Note::Untracked { max } => format!(
            "not tracked: already {max} connections are being followed; this segment is counted \
             but not analysed (numbers are absolute)."
        ),
        Note::FinsCrossed { side: s } => format!(
            "The {} was never in CLOSE-WAIT: its FIN left before the {}'s FIN reached it.",
            side(*s),
            side(s.other())
        ),
        Note::CloseCalled {
            side: s,
            queued: true,
        } => format!(
            "The {} had already entered close(): its kernel is closing from that moment, and its \
             FIN waits behind the data still queued.",
            side(*s)
        ),
        Note::CloseCalled {
            side: s,
            queued: false,
        } => format!(
            "The {} had already entered close() (a socket call event says so): its kernel was \
             closing before this segment.",
            side(*s)
        ),
        Note::Inferred(i) => inferred(i),
        Note::Kernel {
            side: s,
            kernel,
            why,
        } => kernel_diff(*s, *kernel, *why),
        Note::KernelNotResent { from, len, rel_seq } => format!(
            "The kernel never sent these bytes ({}) again: this is the {}'s original, arriving \
             after later bytes (out of order), not a retransmission.",
            seq_range(*rel_seq, *len),
            side(*from)
        ),
        Note::KernelCopy { from } => format!(
            "The {}'s kernel never sent it again: this copy was made on the way, not by TCP.",
            side(*from)
        ),
        Note::LinkDropped { reason } => format!(
            "The link dropped it ({}) after this capture point: it never reached the other host, \
             whose state does not change.",
            link_drop(*reason)
        ),
        Note::LinkDelayed {
            delay_us,
            queued_us,
        } if *queued_us >= 100 => format!(
            "The link delayed it {} ({} of it in the queue before the rate limit).",
            ms(*delay_us),
            ms(*queued_us)
        ),
        Note::LinkDelayed { delay_us, .. } => format!("The link delayed it {}.", ms(*delay_us)),
        Note::LinkReordered { overtaken_by } => format!(
            "The link held it back behind {} later {}.",
            count_word(*overtaken_by),
            if *overtaken_by == 1 {
                "segment"
            } else {
                "segments"
            }
        ),
        Note::LinkDuplicated { copy: false } => {
            "The link duplicated it: a second copy follows it to the other host.".to_string()
        }
        Note::LinkDuplicated { copy: true } => {
            "This is the second copy the link made of the segment before, not a retransmission."
                .to_string()
        }
        Note::LinkLostOriginal { ago_us } => format!(
            "Why it was sent again: the original was dropped on the link {} earlier.",
            ms(*ago_us)
        ),
        Note::LinkLostAck { ago_us } => format!(
            "Why it was sent again: the original arrived, but its ACK was dropped on the link {} \
             earlier.",
            ms(*ago_us)
        ),
    }
}

/// A socket call as the kernel saw it: `connect() ...`, `send() 5 bytes
/// ...`, `shutdown(SHUT_WR) ...`, `accept() -> new socket for
/// 127.0.0.1:53312`, `connect() -> ECONNREFUSED`.
pub fn kernel_call(c: &kernel::Call) -> String {
    let name = c.call.name();
    let args = match c.call {
        SocketCall::Shutdown(Some(how)) => how.as_str(),
        _ => "",
    };
    match c.phase {
        kernel::Phase::Enter => match (c.call.moves_bytes(), c.bytes) {
            (true, Some(n)) if matches!(c.call, SocketCall::Send | SocketCall::Sendto) => {
                format!("{name}() {n} {} ...", bytes_word64(n))
            }
            _ => format!("{name}({args}) ..."),
        },
        kernel::Phase::Return => format!("{name}({args}) -> {}", kernel_result(c)),
    }
}

/// What a call returned, as the kernel says: `ok`, `6 bytes`, `new socket
/// for 127.0.0.1:53312`, `0 bytes: the peer closed its side (FIN
/// received)`, `ECONNREFUSED`.
pub fn kernel_result(c: &kernel::Call) -> String {
    kernel_return(&KernelReturn::of(c))
}

/// [`kernel_result`] from the typed result.
pub fn kernel_return(r: &KernelReturn) -> String {
    match *r {
        KernelReturn::Errno(e) => match kernel::errno_name(e) {
            Some(name) => name.to_string(),
            None => format!("error {e}"),
        },
        KernelReturn::NewSocket { peer: Some(p) } => format!("new socket for {p}"),
        KernelReturn::NewSocket { peer: None } => "new socket".to_string(),
        KernelReturn::PeerClosed => "0 bytes: the peer closed its side (FIN received)".to_string(),
        KernelReturn::Bytes { n, from: Some(p) } => format!("{n} {} from {p}", bytes_word64(n)),
        KernelReturn::Bytes { n, from: None } => format!("{n} {}", bytes_word64(n)),
        KernelReturn::Ok => "ok".to_string(),
    }
}

/// `(1500 bytes went out in 2 segments)`.
pub fn spread(s: &Spread) -> String {
    format!(
        "({} {} went out in {} segments)",
        s.bytes,
        bytes_word64(s.bytes),
        s.segments
    )
}

/// A frame the link dropped on its way to this capture's host, which
/// never saw it: `a PSH-ACK with 6 bytes from bob to alice was dropped on
/// the link (random loss): it never arrived here`.
pub fn link_unseen(ev: &LinkEvent) -> String {
    let what = match (ev.tcp, ev.proto) {
        (Some(tcp), _) => {
            let label = tcp.flags.label();
            match ev.payload {
                Some(n) if n > 0 => {
                    format!("{} {label} with {n} {}", article(&label), bytes_word(n))
                }
                _ => format!("{} {label}", article(&label)),
            }
        }
        (None, "udp") => "a UDP datagram".to_string(),
        _ => "a frame".to_string(),
    };
    let reason = match ev.what {
        LinkWhat::Dropped(r) => link_drop(r),
        _ => "",
    };
    format!(
        "{what} from {} to {} was dropped on the link ({reason}): it never arrived here.",
        ev.from, ev.to
    )
}

/// `an` before a flag name said with a vowel sound (`an ACK`, `an RST`),
/// else `a` (`a SYN`, `a PSH-ACK`).
fn article(label: &str) -> &'static str {
    if label.starts_with(['A', 'E', 'F', 'R', 'U']) {
        "an"
    } else {
        "a"
    }
}

fn bytes_word64(n: u64) -> &'static str {
    if n == 1 {
        "byte"
    } else {
        "bytes"
    }
}

/// The kernel's own state of a socket, where it is not the wire's.
fn kernel_diff(s: Side, kernel: SockState, why: KernelDiff) -> String {
    let who = side(s);
    match why {
        KernelDiff::TimeWaitMiniSocket => format!(
            "The kernel has already swapped the {who}'s socket for a TIME-WAIT mini-socket: the \
             full socket is {kernel} (the kernel's own state), and a small record of the \
             connection keeps its ports for {LINUX_TIME_WAIT_SECS} s."
        ),
        KernelDiff::FinQueued { ago_us } => format!(
            "The {who}'s kernel entered {kernel} at close() or shutdown(){}, while its FIN was still \
             queued behind data: the state changes with the call, not with the FIN on the wire.",
            if ago_us < 1000 {
                String::new()
            } else {
                format!(" {} before this segment", ms(ago_us))
            }
        ),
        KernelDiff::NotReceived => format!(
            "The {who}'s socket never got this segment: its kernel was still {kernel} (the segment \
             was lost after the capture point)."
        ),
        KernelDiff::Other => {
            format!("The kernel's own state of the {who}'s socket here: {kernel}.")
        }
    }
}

/// `random loss`, `a full queue`...
fn link_drop(r: LinkDrop) -> &'static str {
    match r {
        LinkDrop::Random => "random loss",
        LinkDrop::Burst => "a burst of losses",
        LinkDrop::QueueFull => "its queue before the rate limit was full",
        LinkDrop::Overflow => "too many frames in flight",
        LinkDrop::Other => "for a reason it did not name",
    }
}

/// Microseconds as a person reads them: `50.0 ms`, `850 µs`, `1.20 s`.
fn ms(us: u64) -> String {
    crate::render::human_duration(std::time::Duration::from_micros(us))
}

/// `one`, `two`... up to ten, then digits.
fn count_word(n: u64) -> String {
    const WORDS: [&str; 11] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    WORDS
        .get(n as usize)
        .map_or_else(|| n.to_string(), |w| w.to_string())
}

fn retransmission(from: Side, what: &Resent) -> String {
    let (me, peer) = (side(from), side(from.other()));
    match *what {
        Resent::Syn {
            isn,
            answer_seen: false,
        } => format!(
            "retransmission: the {me} sends its SYN again (same ISN {isn}): no SYN-ACK came back \
             in time (Linux waits 1 s, then 2 s, 4 s...)."
        ),
        Resent::Syn {
            isn,
            answer_seen: true,
        } => format!(
            "retransmission: the {me} sends its SYN again (same ISN {isn}): the SYN-ACK seen here \
             did not reach the {me} (lost after the capture point, or slower than its 1 s timer), \
             so its connect() is still waiting."
        ),
        Resent::SynAck {
            why: SynAckWhy::NoAck,
        } => format!(
            "retransmission: the {me} sends its SYN-ACK again: the {peer}'s ACK did not arrive in \
             time."
        ),
        Resent::SynAck {
            why: SynAckWhy::SynAgain,
        } => format!(
            "retransmission: the {me} sends its SYN-ACK again: it answers the {peer}'s repeated \
             SYN."
        ),
        Resent::SynAck {
            why: SynAckWhy::AckNotReceived,
        } => format!(
            "retransmission: the {me} sends its SYN-ACK again although the {peer}'s ACK was seen \
             here: that ACK had not reached the {me} (lost after the capture point, or slower \
             than its timer)."
        ),
        Resent::Fin {
            rel_seq,
            ack_seen: false,
        } => format!(
            "retransmission: the {me} sends its FIN (seq {rel_seq}) again: it was not acknowledged \
             in time."
        ),
        Resent::Fin {
            rel_seq,
            ack_seen: true,
        } => format!(
            "retransmission: the {me} sends its FIN (seq {rel_seq}) again: the ACK of it seen here \
             had not reached the {me} (lost after the capture point, or slower than its timer), \
             which still waits for it."
        ),
        Resent::Data { rel_seq, len, why } => {
            let range = format!("bytes {rel_seq}..{}", rel_seq.wrapping_add(len));
            match why {
                Why::Timeout => format!(
                    "retransmission: the {me} sends {range} again: they were not acknowledged in \
                     time (lost, or their ACK was)."
                ),
                Why::Fast => format!(
                    "retransmission: the {me} sends {range} again: fast retransmit after 3 \
                     duplicate ACKs from the {peer}."
                ),
                Why::FirstCopyNotSeen => format!(
                    "retransmission: the {me} sends {range} again: later bytes came first and \
                     this copy is newer than them, so its first copy was lost before the capture \
                     point."
                ),
                Why::AckNotReceived => format!(
                    "retransmission: the {me} sends {range} again although their ACK was seen \
                     here: that ACK had not reached the {me} (lost after the capture point, or \
                     slower than its timer)."
                ),
            }
        }
    }
}

fn inferred(i: &Inferred) -> String {
    let (who, st) = (side(i.side), state(i.state));
    match i.until {
        Until::SynAnswered => format!(
            "The {who}'s {st} is inferred: only its answer makes it certain (a SYN-ACK; an RST \
             would mean there is no socket, and no answer that the SYN was dropped)."
        ),
        Until::FinAcked => format!(
            "The {who}'s {st} is inferred: it is certain once the {who} acknowledges this FIN (a \
             FIN of its own that does not would mean both closed at once)."
        ),
    }
}

/// ", options MSS 65495, ..." clause, or nothing.
fn options_clause(o: &TcpOptions) -> String {
    let text = options(o, Options::Words);
    if text.is_empty() {
        String::new()
    } else {
        format!(", options {text}")
    }
}

/// "seq 1..7"
fn seq_range(rel_seq: u32, len: u32) -> String {
    format!("seq {rel_seq}..{}", rel_seq.wrapping_add(len))
}

/// "its last 5 bytes (seq 7..12) and " for a FIN that carries data.
fn last_bytes(len: u32, fin_rel_seq: u32) -> String {
    if len == 0 {
        String::new()
    } else {
        let mut s = String::new();
        let _ = write!(
            s,
            "its last {len} {} (seq {}..{fin_rel_seq}) and ",
            bytes_word(len),
            fin_rel_seq.wrapping_sub(len)
        );
        s
    }
}

/// "client" or "server".
fn side(s: Side) -> &'static str {
    match s {
        Side::Client => "client",
        Side::Server => "server",
    }
}

fn bytes_word(n: u32) -> &'static str {
    if n == 1 {
        "byte"
    } else {
        "bytes"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syn_options_read_like_tcpdump_on_the_line_and_in_words_in_the_note() {
        let o = TcpOptions {
            mss: Some(65495),
            wscale: Some(7),
            sack_permitted: true,
            timestamps: Some((1, 0)),
        };
        assert_eq!(options(&o, Options::Terse), "mss 65495,sackOK,TS,wscale 7");
        assert_eq!(
            options(&o, Options::Words),
            "MSS 65495, window scale 7 (windows × 128), SACK permitted, timestamps"
        );
        assert_eq!(
            options(&TcpOptions::default(), Options::Terse),
            "no options"
        );
        assert_eq!(options(&TcpOptions::default(), Options::Words), "");
    }

    #[test]
    fn no_socket_is_spelled_for_people_and_kept_stable_for_json() {
        assert_eq!(state(TcpState::NoSocket), "no socket");
        assert_eq!(TcpState::NoSocket.as_str(), "no-socket");
        assert_eq!(state(TcpState::TimeWait), "TIME-WAIT");
    }
}
