//! Capture's facts as sentences in the process's language: each function
//! hands the fact to [`super::en`] or [`super::pt_br`] (the two modules
//! have the same functions), so renderers never choose a language.

use super::{lang, Lang};
use crate::track::{Annotation, Note, TcpState, UdpNote};
use crate::wire::TcpOptions;

pub use super::en::Options;

/// `(1500 bytes went out in 2 segments)`: how one call's bytes were cut.
pub fn spread(s: &crate::timeline::Spread) -> String {
    match lang() {
        Lang::En => super::en::spread(s),
        Lang::PtBr => super::pt_br::spread(s),
    }
}

/// A frame the link dropped before it reached this capture's host.
pub fn link_unseen(ev: &crate::timeline::LinkEvent) -> String {
    match lang() {
        Lang::En => super::en::link_unseen(ev),
        Lang::PtBr => super::pt_br::link_unseen(ev),
    }
}

/// The note of a segment and the facts added to it, as one paragraph.
pub fn annotation(a: &Annotation) -> String {
    annotation_in(lang(), a)
}

/// [`annotation`] in a given language.
pub fn annotation_in(lang: Lang, a: &Annotation) -> String {
    match lang {
        Lang::En => super::en::annotation(a),
        Lang::PtBr => super::pt_br::annotation(a),
    }
}

/// [`annotation`] appended to `out` (the packet views: no `String` per
/// packet).
pub fn annotation_into(out: &mut String, a: &Annotation) {
    annotation_into_in(lang(), out, a);
}

/// [`annotation_into`] in a given language: the note, then each added
/// fact after a space, as [`annotation_in`] joins them.
pub fn annotation_into_in(lang: Lang, out: &mut String, a: &Annotation) {
    note_into_in(lang, out, &a.note);
    for n in &a.extra {
        out.push(' ');
        note_into_in(lang, out, n);
    }
}

/// [`note`] appended to `out`.
pub fn note_into(out: &mut String, n: &Note) {
    note_into_in(lang(), out, n);
}

/// [`note_into`] in a given language.
pub fn note_into_in(lang: Lang, out: &mut String, n: &Note) {
    match lang {
        Lang::En => super::en::note_into(out, n),
        Lang::PtBr => super::pt_br::note_into(out, n),
    }
}

/// One fact as a sentence.
pub fn note(n: &Note) -> String {
    note_in(lang(), n)
}

/// [`note`] in a given language.
pub fn note_in(lang: Lang, n: &Note) -> String {
    match lang {
        Lang::En => super::en::note(n),
        Lang::PtBr => super::pt_br::note(n),
    }
}

/// A state as a person reads it: the RFC name, or `no socket`.
pub fn state(s: TcpState) -> &'static str {
    state_in(lang(), s)
}

/// [`state`] in a given language.
pub fn state_in(lang: Lang, s: TcpState) -> &'static str {
    match lang {
        Lang::En => super::en::state(s),
        Lang::PtBr => super::pt_br::state(s),
    }
}

/// A SYN's options, on the packet's line or in a sentence.
pub fn options(o: &TcpOptions, form: Options) -> String {
    options_in(lang(), o, form)
}

/// [`options`] in a given language.
pub fn options_in(lang: Lang, o: &TcpOptions, form: Options) -> String {
    match lang {
        Lang::En => super::en::options(o, form),
        Lang::PtBr => super::pt_br::options(o, form),
    }
}

/// What one UDP datagram is.
pub fn udp(n: &UdpNote) -> String {
    udp_in(lang(), n)
}

/// [`udp`] in a given language.
pub fn udp_in(lang: Lang, n: &UdpNote) -> String {
    match lang {
        Lang::En => super::en::udp(n),
        Lang::PtBr => super::pt_br::udp(n),
    }
}

/// A frame that could not be decoded, in the process's language (the
/// English is the error's own `Display`, as in the JSON).
pub fn decode_error(e: &crate::wire::DecodeError) -> String {
    decode_error_in(lang(), e)
}

/// [`decode_error`] in a given language.
pub fn decode_error_in(lang: Lang, e: &crate::wire::DecodeError) -> String {
    match lang {
        Lang::En => e.to_string(),
        Lang::PtBr => super::pt_br::decode_error(e),
    }
}

// ---- What a socket call returned ------------------------------------

/// A socket call as the kernel saw it, with what it returned, in the
/// process's language: `accept() -> novo socket para 127.0.0.1:53312`.
pub fn kernel_call(c: &crate::kernel::Call) -> String {
    kernel_call_in(lang(), c)
}

/// [`kernel_call`] in a given language.
pub fn kernel_call_in(lang: Lang, c: &crate::kernel::Call) -> String {
    match lang {
        Lang::En => super::en::kernel_call(c),
        Lang::PtBr => super::pt_br::kernel_call(c),
    }
}

/// What a call returned by the kernel's record, in a given language.
pub fn kernel_return_in(lang: Lang, r: &crate::kernel::returned::KernelReturn) -> String {
    match lang {
        Lang::En => super::en::kernel_return(r),
        Lang::PtBr => super::pt_br::kernel_return(r),
    }
}

/// What a lab program's call returned, in the process's language: from
/// the event's typed result when it has one, else its (English) text, as
/// an older lab program sent it.
pub fn event_result(ev: &crate::events::CallEvent) -> std::borrow::Cow<'_, str> {
    match &ev.returned {
        Some(r) => returned_in(lang(), r).into(),
        None => ev.result.as_str().into(),
    }
}

/// What a call returned, in the process's language, from whichever
/// source told it (empty on a call's entry).
pub fn call_result(c: &crate::timeline::Call) -> std::borrow::Cow<'_, str> {
    use crate::timeline::Source;
    match (c.source, c.kernel.as_deref()) {
        (Source::Kernel, Some(k)) if k.phase == crate::kernel::Phase::Return => {
            kernel_return_in(lang(), &crate::kernel::returned::KernelReturn::of(k)).into()
        }
        (Source::Kernel, Some(_)) => "".into(),
        _ => event_result(&c.ev),
    }
}

/// A typed result in `lang`: `4096 chamadas: 6 bytes "hello\n"`.
pub fn returned_in(lang: Lang, r: &crate::events::Returned) -> String {
    let mut words = outcome_in(lang, &r.what);
    if let Some(data) = &r.data {
        words = format!("{words} \"{data}\"");
    }
    match r.calls {
        Some(calls) => super::tr_in(
            lang,
            "lab-calls-result",
            &[("times", calls.into()), ("what", words.into())],
        ),
        None => words,
    }
}

/// What one call returned, in `lang`, in the words its narration line
/// uses: `novo socket para 127.0.0.1:53312`, `6 bytes`.
pub fn outcome_in(lang: Lang, o: &crate::events::Outcome) -> String {
    use crate::events::Outcome;
    let tr = |id: &str, args: &[(&str, super::Arg<'_>)]| super::tr_in(lang, id, args);
    match o {
        Outcome::NewSocket { peer } => tr("lab-new-socket", &[("peer", peer.to_string().into())]),
        Outcome::NewClient { peer, n } => tr(
            "lab-server-new-client",
            &[("peer", peer.to_string().into()), ("n", (*n).into())],
        ),
        Outcome::Refusing { peer, max } => tr(
            "lab-refusing",
            &[("peer", peer.to_string().into()), ("max", (*max).into())],
        ),
        Outcome::AcceptOff => tr("lab-server-accept-off", &[]),
        Outcome::Bytes { n } => tr("lab-bytes", &[("n", (*n).into())]),
        Outcome::BytesFrom { n, from } => tr(
            "lab-bytes-from",
            &[("n", (*n).into()), ("from", from.to_string().into())],
        ),
        Outcome::End(end) => end_in(lang, end),
        Outcome::BytesThenError { n, error } => tr(
            "lab-bytes-then-error",
            &[("n", (*n).into()), ("why", error_in(lang, error).into())],
        ),
        Outcome::BytesLastCall { n, last } => tr(
            "lab-bytes-last-call",
            &[("n", (*n).into()), ("last", end_in(lang, last).into())],
        ),
    }
}

/// `0 bytes: peer closed its side (FIN received)`, `error: ...`.
pub fn end_in(lang: Lang, end: &crate::events::End) -> String {
    use crate::events::End;
    let id = match end {
        End::PeerClosed => "lab-recv-zero-fin",
        End::ReadShut => "lab-recv-zero-shut-rd",
        End::IcmpRefused => "lab-icmp-refused",
        End::Error(e) => {
            return super::tr_in(lang, "lab-call-error", &[("why", error_in(lang, e).into())])
        }
    };
    super::tr_in(lang, id, &[])
}

/// A failed call's error in the course's words (`connection refused: ...`).
fn error_in(lang: Lang, e: &crate::events::CallError) -> String {
    let error = e.io_error();
    match e.on {
        Some(on) => crate::net::describe_on_in(lang, on, &error),
        None => crate::net::describe_in(lang, &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track::note::{
        AfterFinAck, Resent, ResetCause, SecondFin, SynAckWhy, SynAcked, Why,
    };
    use crate::track::{Inferred, KernelDiff, LinkDrop, Side, Until};

    /// Which kind of fact `n` is, one number per variant and sub-variant:
    /// no wildcard arm, so a new kind of fact does not compile until it is
    /// numbered here, and [`every_note`] must then show one of it.
    fn kind(n: &Note) -> usize {
        match n {
            Note::Syn { .. } => 0,
            Note::SynAck {
                client: SynAcked::Isn { syn_seen: true, .. },
                ..
            } => 1,
            Note::SynAck {
                client: SynAcked::Isn {
                    syn_seen: false, ..
                },
                ..
            } => 2,
            Note::SynAck {
                client: SynAcked::Mismatch,
                ..
            } => 3,
            Note::HandshakeAck { .. } => 4,
            Note::Data { .. } => 5,
            Note::HalfClose { .. } => 6,
            Note::OutOfOrder { .. } => 7,
            Note::CompletesHandshake => 8,
            Note::AcksFin { .. } => 9,
            Note::Ack { acked: Some(0), .. } => 10,
            Note::Ack { acked: Some(_), .. } => 11,
            Note::Ack { acked: None, .. } => 12,
            Note::DupAck { .. } => 13,
            Note::WindowUpdate { .. } => 14,
            Note::ZeroWindow { .. } => 15,
            Note::WindowScaled { .. } => 16,
            Note::KeepAlive { len: 0, .. } => 17,
            Note::KeepAlive { .. } => 18,
            Note::ZeroWindowProbe { .. } => 19,
            Note::KeepAliveAck { .. } => 20,
            Note::Retransmission { what, .. } => match what {
                Resent::Syn {
                    answer_seen: false, ..
                } => 21,
                Resent::Syn {
                    answer_seen: true, ..
                } => 22,
                Resent::SynAck {
                    why: SynAckWhy::NoAck,
                } => 23,
                Resent::SynAck {
                    why: SynAckWhy::SynAgain,
                } => 24,
                Resent::SynAck {
                    why: SynAckWhy::AckNotReceived,
                } => 25,
                Resent::Fin {
                    ack_seen: false, ..
                } => 26,
                Resent::Fin { ack_seen: true, .. } => 27,
                Resent::Data { why, .. } => match why {
                    Why::Timeout => 28,
                    Why::Fast => 29,
                    Why::AckNotReceived => 30,
                    Why::FirstCopyNotSeen => 31,
                },
            },
            Note::FirstFin { len: 0, .. } => 32,
            Note::FirstFin { .. } => 33,
            Note::SecondFin { kind, .. } => match kind {
                SecondFin::AfterAck => 34,
                SecondFin::Folded => 35,
                SecondFin::Simultaneous => 36,
            },
            Note::FinAcked { then, .. } => match then {
                AfterFinAck::PeerWaitsForFin => 37,
                AfterFinAck::PeerDoneSenderWaits => 38,
                AfterFinAck::PeerDone => 39,
                AfterFinAck::BothWait => 40,
                AfterFinAck::PeerWaits => 41,
                AfterFinAck::Other { .. } => 42,
            },
            Note::Reset {
                cause: ResetCause::Abort,
                ..
            } => 43,
            Note::Reset {
                cause: ResetCause::DataAfterClose,
                ..
            } => 44,
            Note::Refused { .. } => 45,
            Note::LateReset { .. } => 46,
            Note::AfterReset { .. } => 47,
            Note::AfterClose { .. } => 48,
            Note::NoAck { .. } => 49,
            Note::OddFin { .. } => 50,
            Note::Untracked { .. } => 51,
            Note::FinsCrossed { .. } => 52,
            Note::CloseCalled { queued: true, .. } => 53,
            Note::CloseCalled { queued: false, .. } => 54,
            Note::Inferred(Inferred {
                until: Until::SynAnswered,
                ..
            }) => 55,
            Note::Inferred(Inferred {
                until: Until::FinAcked,
                ..
            }) => 56,
            Note::Kernel { why, .. } => match why {
                KernelDiff::TimeWaitMiniSocket => 57,
                KernelDiff::FinQueued { .. } => 58,
                KernelDiff::NotReceived => 59,
                KernelDiff::Other => 60,
            },
            Note::KernelNotResent { .. } => 61,
            Note::KernelCopy { .. } => 62,
            Note::LinkDropped { .. } => 63,
            Note::LinkDelayed { queued_us, .. } if *queued_us >= 100 => 64,
            Note::LinkDelayed { .. } => 65,
            Note::LinkReordered { .. } => 66,
            Note::LinkDuplicated { copy: false } => 67,
            Note::LinkDuplicated { copy: true } => 68,
            Note::LinkLostOriginal { .. } => 69,
            Note::LinkLostAck { .. } => 70,
        }
    }
    const KINDS: usize = 71;

    /// One note of every kind, from each side where a side is named.
    fn every_note() -> Vec<Note> {
        let opts = TcpOptions {
            mss: Some(65495),
            wscale: Some(7),
            sack_permitted: true,
            timestamps: Some((1, 0)),
        };
        let mut notes = vec![
            Note::Syn {
                isn: 100,
                options: opts.clone(),
            },
            Note::Syn {
                isn: 100,
                options: TcpOptions::default(),
            },
            Note::SynAck {
                isn: 200,
                rel_ack: 1,
                client: SynAcked::Isn {
                    client_isn: 100,
                    syn_seen: true,
                },
                options: opts.clone(),
            },
            Note::SynAck {
                isn: 200,
                rel_ack: 1,
                client: SynAcked::Isn {
                    client_isn: 100,
                    syn_seen: false,
                },
                options: opts,
            },
            Note::SynAck {
                isn: 200,
                rel_ack: 9,
                client: SynAcked::Mismatch,
                options: TcpOptions::default(),
            },
            Note::HandshakeAck {
                rel_ack: 1,
                server_isn: 200,
            },
            Note::CompletesHandshake,
            Note::Untracked { max: 10_000 },
            Note::Refused { port: 5000 },
            Note::LinkDelayed {
                delay_us: 50_000,
                queued_us: 20_000,
            },
            Note::LinkDelayed {
                delay_us: 50_000,
                queued_us: 0,
            },
            Note::LinkReordered { overtaken_by: 1 },
            Note::LinkReordered { overtaken_by: 3 },
            Note::LinkDuplicated { copy: false },
            Note::LinkDuplicated { copy: true },
            Note::LinkLostOriginal { ago_us: 200_000 },
            Note::LinkLostAck { ago_us: 200_000 },
        ];
        for reason in [
            LinkDrop::Random,
            LinkDrop::Burst,
            LinkDrop::QueueFull,
            LinkDrop::Overflow,
            LinkDrop::Other,
        ] {
            notes.push(Note::LinkDropped { reason });
        }
        for from in [Side::Client, Side::Server] {
            let resent = [
                Resent::Syn {
                    isn: 100,
                    answer_seen: false,
                },
                Resent::Syn {
                    isn: 100,
                    answer_seen: true,
                },
                Resent::SynAck {
                    why: SynAckWhy::NoAck,
                },
                Resent::SynAck {
                    why: SynAckWhy::SynAgain,
                },
                Resent::SynAck {
                    why: SynAckWhy::AckNotReceived,
                },
                Resent::Fin {
                    rel_seq: 20,
                    ack_seen: false,
                },
                Resent::Fin {
                    rel_seq: 20,
                    ack_seen: true,
                },
                Resent::Data {
                    rel_seq: 1,
                    len: 6,
                    why: Why::Timeout,
                },
                Resent::Data {
                    rel_seq: 1,
                    len: 6,
                    why: Why::Fast,
                },
                Resent::Data {
                    rel_seq: 1,
                    len: 6,
                    why: Why::AckNotReceived,
                },
                Resent::Data {
                    rel_seq: 1,
                    len: 6,
                    why: Why::FirstCopyNotSeen,
                },
            ];
            for why in [
                KernelDiff::TimeWaitMiniSocket,
                KernelDiff::FinQueued { ago_us: 0 },
                KernelDiff::FinQueued { ago_us: 5000 },
                KernelDiff::NotReceived,
                KernelDiff::Other,
            ] {
                notes.push(Note::Kernel {
                    side: from,
                    kernel: crate::kernel::SockState::FinWait1,
                    why,
                });
            }
            notes.push(Note::KernelNotResent {
                from,
                len: 6,
                rel_seq: 1,
            });
            notes.push(Note::KernelCopy { from });
            notes.extend(
                resent
                    .into_iter()
                    .map(|what| Note::Retransmission { from, what }),
            );
            for len in [1, 6] {
                notes.extend([
                    Note::Data {
                        from,
                        len,
                        rel_seq: 1,
                    },
                    Note::HalfClose {
                        closer: from.other(),
                        from,
                        len,
                        rel_seq: 7,
                    },
                    Note::OutOfOrder {
                        from,
                        len,
                        rel_seq: 7,
                    },
                    Note::Ack {
                        from,
                        acked: Some(len),
                        rel_ack: 7,
                    },
                    Note::FirstFin {
                        from,
                        fin_rel_seq: 20,
                        len,
                    },
                    Note::KeepAlive {
                        from,
                        len,
                        rel_seq: 6,
                    },
                ]);
            }
            for kind in [
                SecondFin::AfterAck,
                SecondFin::Folded,
                SecondFin::Simultaneous,
            ] {
                for len in [0, 5] {
                    notes.push(Note::SecondFin {
                        from,
                        kind,
                        fin_rel_seq: 20,
                        rel_ack: 21,
                        len,
                    });
                }
            }
            for then in [
                AfterFinAck::PeerWaitsForFin,
                AfterFinAck::PeerDoneSenderWaits,
                AfterFinAck::PeerDone,
                AfterFinAck::BothWait,
                AfterFinAck::PeerWaits,
                AfterFinAck::Other {
                    state: TcpState::Closing,
                },
            ] {
                notes.push(Note::FinAcked {
                    from,
                    step: 2,
                    rel_ack: 21,
                    then,
                });
            }
            notes.extend([
                Note::AcksFin {
                    of: from,
                    rel_ack: 21,
                },
                Note::Ack {
                    from,
                    acked: Some(0),
                    rel_ack: 7,
                },
                Note::Ack {
                    from,
                    acked: None,
                    rel_ack: 1,
                },
                Note::DupAck {
                    from,
                    n: 2,
                    rel_ack: 7,
                },
                Note::WindowUpdate {
                    from,
                    window: 65536,
                    old: 0,
                    rel_ack: 7,
                },
                Note::ZeroWindow { from },
                Note::WindowScaled {
                    from,
                    raw: 64,
                    shift: 10,
                    bytes: 65536,
                },
                Note::KeepAlive {
                    from,
                    len: 0,
                    rel_seq: 6,
                },
                Note::ZeroWindowProbe { from, rel_seq: 6 },
                Note::KeepAliveAck { from, rel_ack: 7 },
                Note::FirstFin {
                    from,
                    fin_rel_seq: 20,
                    len: 0,
                },
                Note::Reset {
                    from,
                    cause: ResetCause::Abort,
                },
                Note::Reset {
                    from,
                    cause: ResetCause::DataAfterClose,
                },
                Note::LateReset { from },
                Note::AfterReset { from },
                Note::AfterClose { from },
                Note::NoAck { from },
                Note::OddFin { from },
                Note::FinsCrossed { side: from },
                Note::CloseCalled {
                    side: from,
                    queued: true,
                },
                Note::CloseCalled {
                    side: from,
                    queued: false,
                },
                Note::Inferred(Inferred {
                    side: from,
                    state: TcpState::SynReceived,
                    until: Until::SynAnswered,
                }),
                Note::Inferred(Inferred {
                    side: from,
                    state: TcpState::CloseWait,
                    until: Until::FinAcked,
                }),
            ]);
        }
        notes
    }

    #[test]
    fn every_note_is_said_in_both_languages_and_differently() {
        let notes = every_note();
        let mut seen = [false; KINDS];
        for n in &notes {
            seen[kind(n)] = true;
            let en = note_in(Lang::En, n);
            let pt = note_in(Lang::PtBr, n);
            assert!(!en.trim().is_empty(), "{n:?}: no English");
            assert!(!pt.trim().is_empty(), "{n:?}: no Portuguese");
            assert_ne!(en, pt, "{n:?}: the Portuguese is the English");
            // Words that give the English away in a Portuguese sentence.
            for word in [" the ", " sends ", " acknowledges ", " bytes again"] {
                assert!(!pt.contains(word), "{n:?}: {word:?} in {pt}");
            }
            // A sentence ends, and its numbers stay whole (no decimals).
            assert!(pt.ends_with('.'), "{n:?}: {pt}");
        }
        let missing: Vec<usize> = (0..KINDS).filter(|&k| !seen[k]).collect();
        assert!(missing.is_empty(), "kinds of note never shown: {missing:?}");
    }

    #[test]
    fn notes_written_into_a_buffer_are_the_notes_sentences() {
        let mut notes = every_note();
        // The notes written piece by piece, on their edge values.
        for from in [Side::Client, Side::Server] {
            for (len, rel_seq) in [(0, 0), (1, 1), (2, 7), (78, 4_294_967_290), (u32::MAX, 1)] {
                notes.push(Note::Data { from, len, rel_seq });
            }
            for acked in [None, Some(0), Some(1), Some(2), Some(u32::MAX)] {
                for rel_ack in [0, 1, u32::MAX] {
                    notes.push(Note::Ack {
                        from,
                        acked,
                        rel_ack,
                    });
                }
            }
        }
        for n in &notes {
            for lang in Lang::ALL {
                let mut into = String::from("> ");
                note_into_in(lang, &mut into, n);
                assert_eq!(into, format!("> {}", note_in(lang, n)), "{lang} {n:?}");
            }
        }
    }

    #[test]
    fn every_udp_note_state_and_option_is_said_in_both_languages() {
        for n in [
            UdpNote::First { len: 5 },
            UdpNote::First { len: 1 },
            UdpNote::Next { len: 5, n: 2 },
            UdpNote::Reply { len: 5, n: 3 },
        ] {
            let (en, pt) = (udp_in(Lang::En, &n), udp_in(Lang::PtBr, &n));
            assert!(!en.is_empty() && !pt.is_empty());
            assert_ne!(en, pt, "{n:?}");
        }
        assert_eq!(
            udp_in(Lang::PtBr, &UdpNote::First { len: 1 })
                .matches("1 byte:")
                .count(),
            1
        );
        // RFC names stay as they are; only "no socket" is words.
        assert_eq!(state_in(Lang::PtBr, TcpState::TimeWait), "TIME-WAIT");
        assert_eq!(state_in(Lang::PtBr, TcpState::NoSocket), "sem socket");
        assert_ne!(
            state_in(Lang::En, TcpState::NoSocket),
            state_in(Lang::PtBr, TcpState::NoSocket)
        );
        let none = TcpOptions::default();
        assert_ne!(
            options_in(Lang::En, &none, Options::Terse),
            options_in(Lang::PtBr, &none, Options::Terse)
        );
    }

    #[test]
    fn an_annotation_is_its_note_then_its_extra_facts_in_one_language() {
        let a = Annotation {
            conn: Some(1),
            client: "127.0.0.1:40000".parse().unwrap(),
            server: "127.0.0.1:5000".parse().unwrap(),
            dir: crate::track::Dir::C2S,
            step: crate::track::Step::Data,
            rel_seq: 1,
            rel_ack: 1,
            labels: Vec::new(),
            note: Note::Data {
                from: Side::Client,
                len: 6,
                rel_seq: 1,
            },
            extra: vec![Note::CompletesHandshake],
            client_state: TcpState::Established,
            server_state: TcpState::Established,
            handshake_step: Some(3),
            teardown_step: None,
            inferred: None,
            settles: false,
            revisions: Vec::new(),
            kernel: None,
        };
        let pt = annotation_in(Lang::PtBr, &a);
        for lang in Lang::ALL {
            let mut into = String::from("> ");
            annotation_into_in(lang, &mut into, &a);
            assert_eq!(into, format!("> {}", annotation_in(lang, &a)), "{lang}");
        }
        assert_eq!(
            pt,
            "o cliente envia 6 bytes (seq 1..7). O ACK dele também completa o handshake \
             (passo 3/3): agora o accept() pode devolver a conexão."
        );
    }

    // ---- h-i18n-rest: typed results ----

    /// Said in both languages: non-empty, and differently, except where the
    /// words are only a number and `bytes` (the same in Portuguese).
    fn said_both(what: &str, en: &str, pt: &str) {
        assert!(!en.is_empty() && !pt.is_empty(), "{what}");
        let same_in_both = pt
            .split_whitespace()
            .all(|w| w == "bytes" || w.chars().all(|c| c.is_ascii_digit()));
        if !same_in_both {
            assert_ne!(en, pt, "{what}: not translated");
        }
    }

    #[test]
    fn every_typed_result_of_a_lab_program_is_said_in_both_languages() {
        use crate::events::Returned;
        for what in crate::events::tests::every_outcome() {
            let r = Returned {
                what: what.clone(),
                calls: Some(2),
                data: Some("hello\\n".into()),
            };
            let (en, pt) = (returned_in(Lang::En, &r), returned_in(Lang::PtBr, &r));
            said_both(&format!("{what:?}"), &en, &pt);
            assert!(
                en.starts_with("2 calls: ") && en.ends_with(" \"hello\\n\""),
                "{en}"
            );
            assert!(
                pt.starts_with("2 chamadas: ") && pt.ends_with(" \"hello\\n\""),
                "{pt}"
            );
            let once = Returned::new(what.clone());
            let (en, pt) = (returned_in(Lang::En, &once), returned_in(Lang::PtBr, &once));
            said_both(&format!("{what:?}"), &en, &pt);
        }
    }

    #[test]
    fn a_lab_programs_accept_and_recv_of_0_are_said_in_portuguese() {
        use crate::events::{End, Outcome, Returned};
        let peer = "127.0.0.1:53312".parse().unwrap();
        let accept = Returned::new(Outcome::NewSocket { peer });
        assert_eq!(
            returned_in(Lang::En, &accept),
            "new socket for 127.0.0.1:53312"
        );
        assert_eq!(
            returned_in(Lang::PtBr, &accept),
            "novo socket para 127.0.0.1:53312"
        );
        let fin = Returned::new(Outcome::End(End::PeerClosed));
        assert_eq!(
            returned_in(Lang::En, &fin),
            "0 bytes: peer closed its side (FIN received)"
        );
        assert_eq!(
            returned_in(Lang::PtBr, &fin),
            "0 bytes: o outro lado fechou o seu sentido da conexão (FIN recebido)"
        );
        let one = Returned {
            calls: Some(1),
            ..Returned::new(Outcome::Bytes { n: 1 })
        };
        assert_eq!(returned_in(Lang::PtBr, &one), "1 chamada: 1 byte");
        assert_eq!(
            returned_in(Lang::En, &one),
            "1 calls: 1 bytes",
            "English as before"
        );
    }

    /// A kernel record of `call` returning.
    fn returned_call(call: crate::timeline::SocketCall) -> crate::kernel::Call {
        crate::kernel::Call {
            t: std::time::Duration::ZERO,
            pid: 7,
            tid: 7,
            prog: "python3".into(),
            call,
            syscall: "",
            phase: crate::kernel::Phase::Return,
            fd: Some(3),
            sock: None,
            proto: Some(crate::kernel::Proto::Tcp),
            result: None,
            errno: None,
            local: None,
            peer: None,
            bytes: None,
        }
    }

    #[test]
    fn the_kernels_results_are_said_in_both_languages() {
        use crate::kernel::returned::KernelReturn;
        use crate::timeline::SocketCall;
        let peer = "127.0.0.1:53312".parse().unwrap();
        let accept = crate::kernel::Call {
            peer: Some(peer),
            ..returned_call(SocketCall::Accept)
        };
        assert_eq!(
            kernel_call_in(Lang::PtBr, &accept),
            "accept() -> novo socket para 127.0.0.1:53312"
        );
        assert_eq!(
            kernel_call_in(Lang::En, &accept),
            "accept() -> new socket for 127.0.0.1:53312"
        );
        let fin = crate::kernel::Call {
            bytes: Some(0),
            ..returned_call(SocketCall::Recv)
        };
        assert_eq!(KernelReturn::of(&fin), KernelReturn::PeerClosed);
        assert_eq!(
            kernel_call_in(Lang::PtBr, &fin),
            "recv() -> 0 bytes: o outro lado fechou o seu sentido da conexão (FIN recebido)"
        );
        let refused = crate::kernel::Call {
            errno: Some(111),
            ..returned_call(SocketCall::Connect)
        };
        assert_eq!(
            kernel_call_in(Lang::PtBr, &refused),
            "connect() -> ECONNREFUSED"
        );
        for r in [
            KernelReturn::Errno(111),
            KernelReturn::Errno(4000),
            KernelReturn::NewSocket { peer: Some(peer) },
            KernelReturn::NewSocket { peer: None },
            KernelReturn::PeerClosed,
            KernelReturn::Bytes { n: 1, from: None },
            KernelReturn::Bytes {
                n: 14,
                from: Some(peer),
            },
            KernelReturn::Ok,
        ] {
            let (en, pt) = (
                kernel_return_in(Lang::En, &r),
                kernel_return_in(Lang::PtBr, &r),
            );
            assert!(!en.is_empty() && !pt.is_empty(), "{r:?}");
            let same = matches!(
                r,
                KernelReturn::Errno(111)
                    | KernelReturn::Ok
                    | KernelReturn::Bytes { from: None, .. }
            );
            assert_eq!(en == pt, same, "{r:?}: {en} / {pt}");
        }
    }

    #[test]
    fn every_decode_error_is_said_in_both_languages() {
        use crate::wire::{DecodeError, Malformation};
        let mut errors: Vec<DecodeError> = [
            "IPv4",
            "TCP",
            "IPv6 extension header",
            "802.1Q VLAN tag",
            "BSD loopback",
        ]
        .into_iter()
        .map(|layer| DecodeError::Truncated {
            layer,
            need: 20,
            have: 10,
        })
        .collect();
        for what in [
            Malformation::Version {
                version: 6,
                expected: Some(4),
            },
            Malformation::Version {
                version: 5,
                expected: None,
            },
            Malformation::HeaderLength { words: 3 },
            Malformation::DataOffset { words: 2 },
            Malformation::TotalLength {
                total: 16,
                header: 20,
            },
            Malformation::LongerThanIp {
                need: 40,
                stated: 28,
            },
            Malformation::UdpLength { len: 4, header: 8 },
        ] {
            errors.push(DecodeError::Malformed {
                layer: "IPv4",
                what,
            });
        }
        for e in &errors {
            let (en, pt) = (decode_error_in(Lang::En, e), decode_error_in(Lang::PtBr, e));
            assert!(!en.is_empty() && !pt.is_empty(), "{e:?}");
            assert_ne!(en, pt, "{e:?}");
            assert!(
                !pt.contains("truncated") && !pt.contains("malformed"),
                "{pt}"
            );
        }
        assert_eq!(
            decode_error_in(Lang::PtBr, &errors[0]),
            "quadro cortado (IPv4): precisa de 20 bytes, só tem 10"
        );
        assert_eq!(
            decode_error_in(Lang::En, &errors[0]),
            "truncated IPv4: need 20 bytes, have 10"
        );
    }
}
