//! Scenario tests: each builds a short exchange segment by segment, as
//! `wire::decode` would hand it over, and checks what a student would see:
//! the step, both states after the segment, the relative numbers, the key
//! facts of the note, and the connection's summary.

use std::net::SocketAddr;
use std::time::Duration;

use super::note::{AfterFinAck, Resent, ResetCause, SecondFin, SynAckWhy, SynAcked, Why};
use super::*;
use crate::wire::{SeqNum, TcpFlags};

use TcpState::*;

const CLIENT: &str = "127.0.0.1:54321";
const SERVER: &str = "127.0.0.1:9000";

// Initial sequence numbers (absolute), as in the course text.
const C_ISN: u32 = 3_476_521;
const S_ISN: u32 = 982_734;

const S: u8 = TcpFlags::SYN;
const SA: u8 = TcpFlags::SYN | TcpFlags::ACK;
const A: u8 = TcpFlags::ACK;
const PA: u8 = TcpFlags::PSH | TcpFlags::ACK;
const FA: u8 = TcpFlags::FIN | TcpFlags::ACK;
const RA: u8 = TcpFlags::RST | TcpFlags::ACK;
const R: u8 = TcpFlags::RST;

/// Raw window field of every segment unless a test sets it.
const WINDOW: u16 = 512;

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("test address")
}

/// Options of a Linux SYN on loopback.
fn linux_options() -> TcpOptions {
    TcpOptions {
        mss: Some(65495),
        wscale: Some(7),
        sack_permitted: true,
        timestamps: Some((1, 0)),
    }
}

/// A segment as `wire::decode` hands it over.
fn seg(src: &str, dst: &str, flags: u8, seq: u32, ack: u32, len: u32) -> Segment {
    Segment {
        src: addr(src),
        dst: addr(dst),
        seq: SeqNum(seq),
        ack: SeqNum(ack),
        flags: TcpFlags(flags),
        window: WINDOW,
        options: TcpOptions::default(),
        payload_len: len,
        preview: Vec::new(),
        payload_truncated: false,
    }
}

/// A scripted exchange: each segment 1 ms after the previous one.
struct Script {
    tracker: Tracker,
    t: Duration,
}

impl Script {
    fn new() -> Script {
        Script::with(TrackConfig::default())
    }

    fn with(cfg: TrackConfig) -> Script {
        Script {
            tracker: Tracker::new(cfg),
            t: Duration::from_secs(1_700_000_000),
        }
    }

    fn send(&mut self, segment: Segment) -> Annotation {
        self.t += Duration::from_millis(1);
        self.tracker.on_segment(self.t, &segment)
    }

    /// Client to server.
    fn c(&mut self, flags: u8, seq: u32, ack: u32, len: u32) -> Annotation {
        self.send(seg(CLIENT, SERVER, flags, seq, ack, len))
    }

    /// Server to client.
    fn s(&mut self, flags: u8, seq: u32, ack: u32, len: u32) -> Annotation {
        self.send(seg(SERVER, CLIENT, flags, seq, ack, len))
    }

    fn wait(&mut self, d: Duration) {
        self.t += d;
    }

    /// A socket call event: `side`'s program enters close() now.
    fn close_called(&mut self, side: Side) {
        let (local, peer) = match side {
            Side::Client => (CLIENT, SERVER),
            Side::Server => (SERVER, CLIENT),
        };
        self.tracker
            .call_entered(addr(local), addr(peer), EnteredCall::Close, self.t);
    }

    /// SYN, SYN-ACK, ACK with Linux options, from the given ISNs.
    fn handshake_from(&mut self, c_isn: u32, s_isn: u32) -> [Annotation; 3] {
        let mut syn = seg(CLIENT, SERVER, S, c_isn, 0, 0);
        syn.options = linux_options();
        let mut synack = seg(SERVER, CLIENT, SA, s_isn, c_isn.wrapping_add(1), 0);
        synack.options = linux_options();
        [
            self.send(syn),
            self.send(synack),
            self.c(A, c_isn.wrapping_add(1), s_isn.wrapping_add(1), 0),
        ]
    }

    fn handshake(&mut self) -> [Annotation; 3] {
        self.handshake_from(C_ISN, S_ISN)
    }

    /// The one summary handed out since the last call.
    fn finished_one(&mut self) -> ConnSummary {
        let mut done = self.tracker.take_finished();
        assert_eq!(done.len(), 1, "expected one finished connection: {done:?}");
        done.remove(0)
    }
}

/// Client byte `n` (relative) as an absolute sequence number.
fn c(n: u32) -> u32 {
    C_ISN.wrapping_add(n)
}

/// Server byte `n` (relative) as an absolute sequence number.
fn s(n: u32) -> u32 {
    S_ISN.wrapping_add(n)
}

fn states(a: &Annotation) -> (TcpState, TcpState) {
    (a.client_state, a.server_state)
}

/// The facts added to the note, in order.
fn extra(a: &Annotation) -> &[Note] {
    &a.extra
}

#[test]
fn normal_exchange_with_client_close_is_three_way() {
    let mut x = Script::new();
    let [syn, synack, ack] = x.handshake();

    assert_eq!(syn.conn, Some(1));
    assert_eq!((syn.client, syn.server), (addr(CLIENT), addr(SERVER)));
    assert_eq!(
        (syn.dir, syn.step, syn.handshake_step),
        (Dir::C2S, Step::Handshake1, Some(1))
    );
    assert_eq!(states(&syn), (SynSent, SynReceived));
    assert_eq!((syn.rel_seq, syn.rel_ack), (0, 0));
    assert!(syn.labels.contains(&Label::SynOptions(linux_options())));
    assert_eq!(
        syn.note,
        Note::Syn {
            isn: C_ISN,
            options: linux_options()
        }
    );
    // Nothing tells yet whether anything listens: the server's answer will.
    assert_eq!(
        syn.inferred,
        Some(Inferred {
            side: Side::Server,
            state: SynReceived,
            until: Until::SynAnswered
        })
    );

    assert_eq!(
        (synack.dir, synack.step, synack.handshake_step),
        (Dir::S2C, Step::Handshake2, Some(2))
    );
    assert_eq!(states(&synack), (Established, SynReceived));
    assert_eq!((synack.rel_seq, synack.rel_ack), (0, 1));
    assert_eq!(
        synack.note,
        Note::SynAck {
            isn: S_ISN,
            rel_ack: 1,
            client: SynAcked::Isn {
                client_isn: C_ISN,
                syn_seen: true
            },
            options: linux_options()
        }
    );

    assert_eq!((ack.step, ack.handshake_step), (Step::Handshake3, Some(3)));
    assert_eq!(states(&ack), (Established, Established));
    assert_eq!((ack.rel_seq, ack.rel_ack), (1, 1));
    assert_eq!(
        ack.note,
        Note::HandshakeAck {
            rel_ack: 1,
            server_isn: S_ISN
        }
    );

    let data = x.c(PA, c(1), s(1), 6);
    assert_eq!((data.step, data.rel_seq, data.rel_ack), (Step::Data, 1, 1));
    assert_eq!(
        data.note,
        Note::Data {
            from: Side::Client,
            len: 6,
            rel_seq: 1
        }
    );

    let acked = x.s(A, s(1), c(7), 0);
    assert_eq!(
        (acked.step, acked.rel_seq, acked.rel_ack),
        (Step::Ack, 1, 7)
    );
    assert_eq!(
        acked.note,
        Note::Ack {
            from: Side::Server,
            acked: Some(6),
            rel_ack: 7
        }
    );

    let reply = x.s(PA, s(1), c(7), 12);
    assert_eq!(
        reply.note,
        Note::Data {
            from: Side::Server,
            len: 12,
            rel_seq: 1
        }
    );
    let acked = x.c(A, c(7), s(13), 0);
    assert_eq!(
        acked.note,
        Note::Ack {
            from: Side::Client,
            acked: Some(12),
            rel_ack: 13
        }
    );
    assert!(acked.labels.is_empty());

    let fin1 = x.c(FA, c(7), s(13), 0);
    assert_eq!(
        (fin1.step, fin1.teardown_step, fin1.rel_seq),
        (Step::Teardown1, Some(1), 7)
    );
    assert_eq!(states(&fin1), (FinWait1, CloseWait));
    assert_eq!(
        fin1.note,
        Note::FirstFin {
            from: Side::Client,
            fin_rel_seq: 7,
            len: 0
        }
    );
    assert_eq!(
        fin1.inferred,
        Some(Inferred {
            side: Side::Server,
            state: CloseWait,
            until: Until::FinAcked
        })
    );

    let fin2 = x.s(FA, s(13), c(8), 0);
    assert_eq!((fin2.step, fin2.teardown_step), (Step::Teardown3, Some(3)));
    assert_eq!((fin2.rel_seq, fin2.rel_ack), (13, 8));
    // The client received the FIN in FIN-WAIT-1 with its own FIN
    // acknowledged: FIN-WAIT-2, then TIME-WAIT (RFC 9293).
    assert_eq!(states(&fin2), (TimeWait, LastAck));
    assert_eq!(
        fin2.note,
        Note::SecondFin {
            from: Side::Server,
            kind: SecondFin::Folded,
            fin_rel_seq: 13,
            rel_ack: 8,
            len: 0
        }
    );
    assert!(fin2.revisions.is_empty(), "it confirms CLOSE-WAIT");
    assert!(
        x.tracker.take_finished().is_empty(),
        "not ended before the last ACK"
    );

    let last = x.c(A, c(8), s(14), 0);
    assert_eq!((last.step, last.teardown_step), (Step::Teardown4, Some(4)));
    assert_eq!(states(&last), (TimeWait, Closed));
    assert_eq!(
        last.note,
        Note::FinAcked {
            from: Side::Client,
            step: 4,
            rel_ack: 14,
            then: AfterFinAck::PeerDoneSenderWaits
        }
    );

    let sum = x.finished_one();
    assert_eq!(sum.conn, 1);
    assert_eq!((sum.client, sum.server), (addr(CLIENT), addr(SERVER)));
    assert_eq!(sum.handshake, Handshake::Complete);
    assert_eq!(sum.teardown, Teardown::ThreeWay);
    assert_eq!(sum.closed_by, Some(Side::Client));
    assert!(!sum.half_close);
    assert_eq!(
        (sum.segments, sum.segments_c2s, sum.segments_s2c),
        (10, 6, 4)
    );
    assert_eq!((sum.bytes_c2s, sum.bytes_s2c), (6, 12));
    assert_eq!(sum.handshake_rtt, Some(Duration::from_millis(2)));
    assert_eq!(sum.last - sum.first, Duration::from_millis(9));
    assert_eq!(sum.retransmissions, 0);
    assert_eq!(sum.syn_options, Some(linux_options()));
    assert_eq!(sum.synack_options, Some(linux_options()));
    assert!(x.tracker.finish().is_empty(), "already reported");
}

#[test]
fn server_initiated_close() {
    let mut x = Script::new();
    x.handshake();
    x.c(PA, c(1), s(1), 5);
    x.s(PA, s(1), c(6), 3);
    x.c(A, c(6), s(4), 0);

    let fin1 = x.s(FA, s(4), c(6), 0);
    assert_eq!(
        (fin1.dir, fin1.step, fin1.teardown_step),
        (Dir::S2C, Step::Teardown1, Some(1))
    );
    assert_eq!(states(&fin1), (CloseWait, FinWait1));
    assert_eq!(
        fin1.note,
        Note::FirstFin {
            from: Side::Server,
            fin_rel_seq: 4,
            len: 0
        }
    );

    let fin2 = x.c(FA, c(6), s(5), 0);
    assert_eq!(fin2.step, Step::Teardown3);
    assert_eq!(states(&fin2), (LastAck, TimeWait));

    let last = x.s(A, s(5), c(7), 0);
    assert_eq!(last.step, Step::Teardown4);
    assert_eq!(states(&last), (Closed, TimeWait));
    assert_eq!(
        last.note,
        Note::FinAcked {
            from: Side::Server,
            step: 4,
            rel_ack: 7,
            then: AfterFinAck::PeerDoneSenderWaits
        }
    );

    let sum = x.finished_one();
    assert_eq!(sum.teardown, Teardown::ThreeWay);
    assert_eq!(sum.closed_by, Some(Side::Server));
}

#[test]
fn four_separate_teardown_segments_with_delayed_ack() {
    let mut x = Script::new();
    x.handshake();
    let fin1 = x.c(FA, c(1), s(1), 0);
    assert_eq!(fin1.step, Step::Teardown1);

    // The server's ACK of the FIN leaves before the application closes.
    let ack1 = x.s(A, s(1), c(2), 0);
    assert_eq!((ack1.step, ack1.teardown_step), (Step::Teardown2, Some(2)));
    assert_eq!(states(&ack1), (FinWait2, CloseWait));
    assert_eq!(
        ack1.note,
        Note::FinAcked {
            from: Side::Server,
            step: 2,
            rel_ack: 2,
            then: AfterFinAck::PeerWaitsForFin
        }
    );

    x.wait(Duration::from_millis(40));
    let fin2 = x.s(FA, s(1), c(2), 0);
    assert_eq!((fin2.step, fin2.teardown_step), (Step::Teardown3, Some(3)));
    assert_eq!(states(&fin2), (TimeWait, LastAck));
    assert!(
        matches!(
            fin2.note,
            Note::SecondFin {
                kind: SecondFin::AfterAck,
                ..
            }
        ),
        "{:?}",
        fin2.note
    );

    let ack2 = x.c(A, c(2), s(2), 0);
    assert_eq!((ack2.step, ack2.teardown_step), (Step::Teardown4, Some(4)));
    assert_eq!(states(&ack2), (TimeWait, Closed));

    let sum = x.finished_one();
    assert_eq!(sum.teardown, Teardown::FourWay);
    assert_eq!(sum.closed_by, Some(Side::Client));
}

#[test]
fn simultaneous_close() {
    let mut x = Script::new();
    x.handshake();
    let fin1 = x.c(FA, c(1), s(1), 0);
    assert_eq!(states(&fin1), (FinWait1, CloseWait));

    // The server's FIN does not acknowledge the client's: it left before
    // the client's FIN arrived.
    let fin2 = x.s(FA, s(1), c(1), 0);
    assert_eq!((fin2.step, fin2.teardown_step), (Step::Teardown3, Some(3)));
    assert_eq!(states(&fin2), (Closing, Closing));
    assert!(matches!(
        fin2.note,
        Note::SecondFin {
            kind: SecondFin::Simultaneous,
            ..
        }
    ));
    // The server's FIN left before the client's reached it: the CLOSE-WAIT
    // shown on the first FIN did not happen; it was FIN-WAIT-1.
    assert_eq!(
        fin2.revisions,
        vec![Revision {
            side: Side::Server,
            shown: CloseWait,
            really: FinWait1
        }]
    );
    assert_eq!(extra(&fin2), [Note::FinsCrossed { side: Side::Server }]);

    let ack_of_server_fin = x.c(A, c(2), s(2), 0);
    assert_eq!(ack_of_server_fin.step, Step::Teardown4);
    assert_eq!(states(&ack_of_server_fin), (Closing, TimeWait));
    assert!(x.tracker.take_finished().is_empty());

    let ack_of_client_fin = x.s(A, s(2), c(2), 0);
    assert_eq!(ack_of_client_fin.step, Step::Teardown2);
    assert_eq!(states(&ack_of_client_fin), (TimeWait, TimeWait));
    assert!(matches!(
        ack_of_client_fin.note,
        Note::FinAcked {
            then: AfterFinAck::BothWait,
            ..
        }
    ));

    let sum = x.finished_one();
    assert_eq!(sum.teardown, Teardown::Simultaneous);
    assert_eq!(sum.closed_by, Some(Side::Client));
}

#[test]
fn half_close_with_data_after_fin() {
    let mut x = Script::new();
    x.handshake();
    x.c(PA, c(1), s(1), 6);
    x.s(A, s(1), c(7), 0);
    // shutdown(SHUT_WR) on the client.
    let fin1 = x.c(FA, c(7), s(1), 0);
    assert_eq!(fin1.step, Step::Teardown1);
    let ack1 = x.s(A, s(1), c(8), 0);
    assert_eq!(ack1.step, Step::Teardown2);

    let late = x.s(PA, s(1), c(8), 12);
    assert_eq!(late.step, Step::Data);
    assert_eq!(late.labels, vec![Label::HalfClose]);
    assert_eq!(states(&late), (FinWait2, CloseWait));
    assert_eq!(
        late.note,
        Note::HalfClose {
            closer: Side::Client,
            from: Side::Server,
            len: 12,
            rel_seq: 1
        }
    );
    let acked = x.c(A, c(8), s(13), 0);
    assert_eq!(acked.step, Step::Ack);
    assert_eq!(states(&acked), (FinWait2, CloseWait));

    let fin2 = x.s(FA, s(13), c(8), 0);
    assert_eq!(fin2.step, Step::Teardown3);
    assert_eq!(states(&fin2), (TimeWait, LastAck));
    x.c(A, c(8), s(14), 0);

    let sum = x.finished_one();
    assert!(sum.half_close);
    assert_eq!(sum.teardown, Teardown::FourWay);
    assert_eq!((sum.bytes_c2s, sum.bytes_s2c), (6, 12));
}

#[test]
fn data_that_acknowledges_the_fin_does_teardown_step_2() {
    let mut x = Script::new();
    x.handshake();
    x.c(FA, c(1), s(1), 0);
    let data = x.s(PA, s(1), c(2), 4);
    assert_eq!((data.step, data.teardown_step), (Step::Data, Some(2)));
    assert_eq!(data.labels, vec![Label::HalfClose]);
    assert_eq!(states(&data), (FinWait2, CloseWait));
    assert!(matches!(data.note, Note::HalfClose { .. }));
    assert_eq!(
        extra(&data),
        [Note::AcksFin {
            of: Side::Client,
            rel_ack: 2
        }]
    );
    let fin2 = x.s(FA, s(5), c(2), 0);
    assert!(matches!(
        fin2.note,
        Note::SecondFin {
            kind: SecondFin::AfterAck,
            ..
        }
    ));
    x.c(A, c(2), s(6), 0);
    assert_eq!(x.finished_one().teardown, Teardown::FourWay);
}

#[test]
fn fin_carrying_the_last_bytes() {
    let mut x = Script::new();
    x.handshake();
    x.c(PA, c(1), s(1), 6);
    let fin = x.c(FA, c(7), s(1), 5);
    assert_eq!((fin.step, fin.rel_seq), (Step::Teardown1, 7));
    assert_eq!(
        fin.note,
        Note::FirstFin {
            from: Side::Client,
            fin_rel_seq: 12,
            len: 5
        }
    );
    let fin2 = x.s(FA, s(1), c(13), 0);
    assert_eq!(states(&fin2), (TimeWait, LastAck));
    x.c(A, c(13), s(2), 0);
    let sum = x.finished_one();
    assert_eq!(sum.bytes_c2s, 11);
    assert_eq!(sum.teardown, Teardown::ThreeWay);
}

#[test]
fn reset_after_data_so_linger_zero() {
    let mut x = Script::new();
    x.handshake();
    x.c(PA, c(1), s(1), 6);
    x.s(A, s(1), c(7), 0);
    let rst = x.c(RA, c(7), s(1), 0);
    assert_eq!((rst.step, rst.rel_seq, rst.rel_ack), (Step::Reset, 7, 1));
    assert_eq!(states(&rst), (Closed, Closed));
    assert!(rst.labels.is_empty());
    assert_eq!(
        rst.note,
        Note::Reset {
            from: Side::Client,
            cause: ResetCause::Abort
        }
    );

    let sum = x.finished_one();
    assert_eq!(sum.handshake, Handshake::Complete);
    assert_eq!(sum.teardown, Teardown::Reset);
    assert_eq!(sum.closed_by, Some(Side::Client));

    // Data the server had already sent: no teardown starts on a dead connection.
    let late = x.s(PA, s(1), c(7), 3);
    assert_eq!(
        (late.conn, late.step, late.teardown_step),
        (Some(1), Step::Other, None)
    );
    assert_eq!(states(&late), (Closed, Closed));
    assert_eq!(late.note, Note::AfterReset { from: Side::Server });
}

#[test]
fn reset_after_an_unfinished_fin_exchange_is_a_reset() {
    let mut x = Script::new();
    x.handshake();
    x.c(FA, c(1), s(1), 0);
    x.s(PA, s(1), c(2), 10);
    // The client closed for good: data for it gets RST.
    let rst = x.c(R, c(2), 0, 0);
    assert_eq!(rst.step, Step::Reset);
    assert_eq!(
        rst.note,
        Note::Reset {
            from: Side::Client,
            cause: ResetCause::DataAfterClose
        }
    );
    let sum = x.finished_one();
    assert_eq!(sum.teardown, Teardown::Reset);
    assert_eq!(sum.closed_by, Some(Side::Client));
    assert!(sum.half_close);
}

#[test]
fn stray_reset_after_completed_teardown_keeps_the_classification() {
    let mut x = Script::new();
    x.handshake();
    x.c(FA, c(1), s(1), 0);
    x.s(FA, s(1), c(2), 0);
    x.c(A, c(2), s(2), 0);
    assert_eq!(x.finished_one().teardown, Teardown::ThreeWay);

    let rst = x.s(R, s(2), 0, 0);
    assert_eq!((rst.conn, rst.step), (Some(1), Step::Reset));
    assert_eq!(rst.note, Note::LateReset { from: Side::Server });
    assert!(x.tracker.take_finished().is_empty());
    assert!(x.tracker.finish().is_empty());
}

#[test]
fn refused_connection() {
    let mut x = Script::new();
    let syn = x.c(S, C_ISN, 0, 0);
    assert_eq!(syn.step, Step::Handshake1);
    // Linux answers a SYN to a closed port with RST-ACK, seq 0.
    let rst = x.s(RA, 0, c(1), 0);
    assert_eq!((rst.dir, rst.step), (Dir::S2C, Step::Reset));
    assert_eq!((rst.rel_seq, rst.rel_ack), (1, 1));
    // Nothing listened: there never was a server socket, so the
    // SYN-RECEIVED shown after the SYN is revised too.
    assert_eq!(states(&rst), (Closed, NoSocket));
    assert_eq!(rst.note, Note::Refused { port: 9000 });
    assert_eq!(
        rst.revisions,
        vec![Revision {
            side: Side::Server,
            shown: SynReceived,
            really: NoSocket
        }]
    );

    let sum = x.finished_one();
    assert_eq!(sum.handshake, Handshake::Refused);
    assert_eq!(sum.teardown, Teardown::Reset);
    assert_eq!(sum.closed_by, Some(Side::Server));
    assert_eq!(sum.handshake_rtt, None);
}

#[test]
fn syn_retransmitted_without_answer_is_incomplete() {
    let mut x = Script::new();
    x.c(S, C_ISN, 0, 0);
    x.wait(Duration::from_secs(1));
    let again = x.c(S, C_ISN, 0, 0);
    assert_eq!(
        (again.conn, again.step, again.handshake_step),
        (Some(1), Step::Retransmission, Some(1))
    );
    assert_eq!(again.labels, vec![Label::Retransmission]);
    assert_eq!(states(&again), (SynSent, SynReceived));
    assert_eq!(
        again.note,
        Note::Retransmission {
            from: Side::Client,
            what: Resent::Syn {
                isn: C_ISN,
                answer_seen: false
            }
        }
    );

    let all = x.tracker.finish();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].handshake, Handshake::Incomplete);
    assert_eq!(all[0].teardown, Teardown::Open);
    assert_eq!(all[0].retransmissions, 1);
}

#[test]
fn syn_missed_mid_stream_start() {
    let mut x = Script::new();
    // The capture starts while the server is sending: seq 9000 is its
    // first byte seen, so it is numbered 1 (Wireshark).
    let data = x.s(PA, 9000, 5000, 10);
    assert_eq!(data.conn, Some(1));
    // No SYN: the client is the side with the higher (ephemeral) port.
    assert_eq!(
        (data.client, data.server, data.dir),
        (addr(CLIENT), addr(SERVER), Dir::S2C)
    );
    assert_eq!((data.step, data.rel_seq, data.rel_ack), (Step::Data, 1, 1));
    assert_eq!(states(&data), (Established, Established));
    assert_eq!(
        data.note,
        Note::Data {
            from: Side::Server,
            len: 10,
            rel_seq: 1
        }
    );

    let ack = x.c(A, 5000, 9010, 0);
    assert_eq!((ack.step, ack.rel_seq, ack.rel_ack), (Step::Ack, 1, 11));
    let more = x.c(PA, 5000, 9010, 3);
    assert_eq!(
        more.note,
        Note::Data {
            from: Side::Client,
            len: 3,
            rel_seq: 1
        }
    );

    let all = x.tracker.finish();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].handshake, Handshake::NotSeen);
    assert_eq!(all[0].teardown, Teardown::Open);
    assert_eq!(all[0].handshake_rtt, None);
    assert_eq!(all[0].syn_options, None);
}

#[test]
fn synack_seen_without_syn_still_numbers_from_the_isns() {
    let mut x = Script::new();
    let synack = x.s(SA, S_ISN, c(1), 0);
    assert_eq!((synack.client, synack.server), (addr(CLIENT), addr(SERVER)));
    assert_eq!(
        (synack.step, synack.rel_seq, synack.rel_ack),
        (Step::Handshake2, 0, 1)
    );
    assert!(matches!(
        synack.note,
        Note::SynAck {
            client: SynAcked::Isn {
                client_isn: C_ISN,
                syn_seen: false
            },
            ..
        }
    ));
    let ack = x.c(A, c(1), s(1), 0);
    assert_eq!(ack.step, Step::Handshake3);
    let data = x.c(PA, c(1), s(1), 2);
    assert_eq!(data.rel_seq, 1);
    let all = x.tracker.finish();
    assert_eq!(all[0].handshake, Handshake::Complete);
    assert_eq!(all[0].handshake_rtt, None);
}

#[test]
fn retransmission_of_data() {
    let mut x = Script::new();
    x.handshake();
    x.c(PA, c(1), s(1), 6);
    x.wait(Duration::from_millis(200));
    let again = x.c(PA, c(1), s(1), 6);
    assert_eq!((again.step, again.rel_seq), (Step::Retransmission, 1));
    assert_eq!(again.labels, vec![Label::Retransmission]);
    assert_eq!(
        again.note,
        Note::Retransmission {
            from: Side::Client,
            what: Resent::Data {
                rel_seq: 1,
                len: 6,
                why: Why::Timeout
            }
        }
    );
    let ack = x.s(A, s(1), c(7), 0);
    assert!(matches!(ack.note, Note::Ack { rel_ack: 7, .. }));

    let all = x.tracker.finish();
    assert_eq!(all[0].retransmissions, 1);
    assert_eq!(
        all[0].bytes_c2s, 6,
        "retransmitted bytes are not counted twice"
    );
}

#[test]
fn three_duplicate_acks_then_fast_retransmit() {
    let mut x = Script::new();
    x.handshake();
    for i in 0..4 {
        x.c(PA, c(1 + 100 * i), s(1), 100);
    }
    // Bytes 101..201 were lost: every later segment makes the server
    // repeat "I still expect 101".
    let first = x.s(A, s(1), c(101), 0);
    assert_eq!(first.step, Step::Ack);
    assert!(first.labels.is_empty());
    for n in 1..=3 {
        let dup = x.s(A, s(1), c(101), 0);
        assert_eq!(dup.step, Step::Ack);
        assert_eq!(dup.labels, vec![Label::DupAck(n)]);
        assert_eq!(
            dup.note,
            Note::DupAck {
                from: Side::Server,
                n,
                rel_ack: 101
            }
        );
    }
    let resent = x.c(PA, c(101), s(1), 100);
    assert_eq!(resent.step, Step::Retransmission);
    assert_eq!(
        resent.note,
        Note::Retransmission {
            from: Side::Client,
            what: Resent::Data {
                rel_seq: 101,
                len: 100,
                why: Why::Fast
            }
        }
    );
    let caught_up = x.s(A, s(1), c(401), 0);
    assert!(caught_up.labels.is_empty());
    assert_eq!(
        caught_up.note,
        Note::Ack {
            from: Side::Server,
            acked: Some(300),
            rel_ack: 401
        }
    );
    let sum = x.tracker.finish().remove(0);
    assert_eq!((sum.retransmissions, sum.dup_acks), (1, 3));
}

#[test]
fn keep_alive_probe_and_its_answer() {
    let mut x = Script::new();
    x.handshake();
    x.c(PA, c(1), s(1), 6);
    x.s(A, s(1), c(7), 0);
    x.wait(Duration::from_secs(7200));
    // Linux: an empty segment with seq = next − 1.
    let probe = x.c(A, c(6), s(1), 0);
    assert_eq!((probe.step, probe.rel_seq), (Step::Other, 6));
    assert_eq!(probe.labels, vec![Label::KeepAlive]);
    assert_eq!(
        probe.note,
        Note::KeepAlive {
            from: Side::Client,
            len: 0,
            rel_seq: 6
        }
    );
    let answer = x.s(A, s(1), c(7), 0);
    assert_eq!(answer.step, Step::Ack);
    assert_eq!(answer.labels, vec![Label::KeepAliveAck]);

    let all = x.tracker.finish();
    assert_eq!(all[0].retransmissions, 0);
    assert_eq!(all[0].bytes_c2s, 6);
}

#[test]
fn zero_window_probe_and_window_update() {
    let mut x = Script::new();
    x.handshake();
    x.c(PA, c(1), s(1), 6);
    let mut full = seg(SERVER, CLIENT, A, s(1), c(7), 0);
    full.window = 0;
    let full = x.send(full);
    assert_eq!(full.step, Step::Ack);
    assert_eq!(full.labels, vec![Label::ZeroWindow]);
    assert_eq!(extra(&full), [Note::ZeroWindow { from: Side::Server }]);

    let probe = x.c(A, c(6), s(1), 0);
    assert_eq!(probe.labels, vec![Label::ZeroWindowProbe]);

    let mut still_full = seg(SERVER, CLIENT, A, s(1), c(7), 0);
    still_full.window = 0;
    let still_full = x.send(still_full);
    assert_eq!(
        still_full.labels,
        vec![Label::ZeroWindow],
        "not a duplicate ACK: nothing is outstanding"
    );

    let open = x.s(A, s(1), c(7), 0);
    assert_eq!(open.step, Step::Ack);
    assert_eq!(open.labels, vec![Label::WindowUpdate]);
    // Both SYNs carried window scale 7: 512 × 128 bytes.
    assert_eq!(
        open.note,
        Note::WindowUpdate {
            from: Side::Server,
            window: 65536,
            old: 0,
            rel_ack: 7
        }
    );
}

#[test]
fn isn_near_2_pow_32_wraps() {
    let c_isn = u32::MAX - 2;
    let s_isn = u32::MAX;
    let mut x = Script::new();
    let [syn, synack, ack] = x.handshake_from(c_isn, s_isn);
    assert_eq!(syn.step, Step::Handshake1);
    assert_eq!((synack.step, synack.rel_ack), (Step::Handshake2, 1));
    // The client acknowledges 2^32 − 1 + 1 = 0.
    assert_eq!(
        (ack.step, ack.rel_seq, ack.rel_ack),
        (Step::Handshake3, 1, 1)
    );
    assert_eq!(states(&ack), (Established, Established));

    // 6 bytes from 4294967294: the sequence number wraps to 4.
    let data = x.c(PA, c_isn.wrapping_add(1), 0, 6);
    assert_eq!((data.step, data.rel_seq), (Step::Data, 1));
    let acked = x.s(A, 0, 4, 0);
    assert_eq!((acked.rel_seq, acked.rel_ack), (1, 7));
    assert!(matches!(acked.note, Note::Ack { rel_ack: 7, .. }));
    let again = x.c(PA, c_isn.wrapping_add(1), 0, 6);
    assert_eq!(again.step, Step::Retransmission);

    let fin1 = x.c(FA, 4, 0, 0);
    assert_eq!((fin1.step, fin1.rel_seq), (Step::Teardown1, 7));
    let fin2 = x.s(FA, 0, 5, 0);
    assert_eq!((fin2.step, fin2.rel_ack), (Step::Teardown3, 8));
    assert_eq!(states(&fin2), (TimeWait, LastAck));
    x.c(A, 5, 1, 0);
    let sum = x.finished_one();
    assert_eq!(sum.teardown, Teardown::ThreeWay);
    assert_eq!(sum.bytes_c2s, 6);
}

#[test]
fn time_wait_reuse_gives_a_new_connection_number() {
    let mut x = Script::new();
    x.handshake();
    x.c(FA, c(1), s(1), 0);
    x.s(FA, s(1), c(2), 0);
    x.c(A, c(2), s(2), 0);
    assert_eq!(x.finished_one().conn, 1);

    // Same 4-tuple, new ISN, while the client is still in TIME-WAIT.
    let new_isn = C_ISN.wrapping_add(100_000);
    let syn = x.c(S, new_isn, 0, 0);
    assert_eq!(
        (syn.conn, syn.step, syn.rel_seq),
        (Some(2), Step::Handshake1, 0)
    );
    assert_eq!(states(&syn), (SynSent, SynReceived));
    assert_eq!(x.tracker.live_connections(), 1);
    let synack = x.s(SA, 777, new_isn.wrapping_add(1), 0);
    assert_eq!((synack.conn, synack.rel_ack), (Some(2), 1));
    assert!(x.tracker.take_finished().is_empty());
}

/// A whole handshake on `client` ↔ SERVER.
fn open_on(x: &mut Script, client: &str, isn: u32) {
    x.send(seg(client, SERVER, S, isn, 0, 0));
    x.send(seg(SERVER, client, SA, 7000, isn.wrapping_add(1), 0));
    x.send(seg(client, SERVER, A, isn.wrapping_add(1), 7001, 0));
}

#[test]
fn max_connections_cap_counts_untracked_segments() {
    let mut x = Script::with(TrackConfig {
        max_connections: 2,
        ..TrackConfig::default()
    });
    open_on(&mut x, "127.0.0.1:50001", 1000);
    open_on(&mut x, "127.0.0.1:50002", 2000);
    assert_eq!(x.tracker.live_connections(), 2);

    // Both are open: a third is not tracked (open connections are never
    // split in two to make room).
    let over = x.send(seg("127.0.0.1:50003", SERVER, S, 3000, 0, 0));
    assert_eq!(over.conn, None);
    assert_eq!(
        (over.client, over.server),
        (addr("127.0.0.1:50003"), addr(SERVER))
    );
    assert_eq!(over.rel_seq, 3000, "absolute when untracked");
    assert_eq!(over.note, Note::Untracked { max: 2 });
    x.send(seg(SERVER, "127.0.0.1:50003", RA, 0, 3001, 0));
    assert_eq!(x.tracker.untracked(), 2);
    assert_eq!(x.tracker.live_connections(), 2);

    // Connections already followed keep being tracked; one that ends
    // leaves the table at once (a tombstone remembers it).
    let rst = x.send(seg("127.0.0.1:50001", SERVER, R, 1001, 0, 0));
    assert_eq!(rst.conn, Some(1));
    assert_eq!(x.tracker.live_connections(), 1);
    assert_eq!(x.tracker.closed_connections(), 1);
    let d = x.send(seg("127.0.0.1:50004", SERVER, S, 4000, 0, 0));
    assert_eq!(d.conn, Some(3));
    assert_eq!(x.tracker.untracked(), 2);
}

#[test]
fn a_real_connection_after_a_syn_flood_is_still_tracked_and_explained() {
    // 10,000 SYNs from as many addresses, none answered, fill the table.
    let mut x = Script::new();
    for i in 0..DEFAULT_MAX_CONNECTIONS as u32 {
        let src = format!("10.0.{}.{}:{}", i / 250, i % 250, 1024 + i);
        x.send(seg(&src, SERVER, S, i, 0, 0));
    }
    assert_eq!(x.tracker.live_connections(), DEFAULT_MAX_CONNECTIONS);
    assert_eq!(x.tracker.untracked(), 0);

    // Then a real connection: the oldest half-open entry makes room.
    let [syn, synack, ack] = x.handshake();
    assert_eq!(syn.conn, Some(DEFAULT_MAX_CONNECTIONS as u64 + 1));
    assert_eq!(syn.step, Step::Handshake1);
    assert_eq!(
        (synack.step, ack.step),
        (Step::Handshake2, Step::Handshake3)
    );
    assert_eq!(states(&ack), (Established, Established));
    let data = x.c(PA, c(1), s(1), 6);
    assert_eq!(
        data.note,
        Note::Data {
            from: Side::Client,
            len: 6,
            rel_seq: 1
        }
    );
    assert_eq!(x.tracker.untracked(), 0);
    assert_eq!(x.tracker.live_connections(), DEFAULT_MAX_CONNECTIONS);
    // The entry that made room is reported as an unfinished handshake.
    let gone = x.tracker.take_finished();
    assert_eq!(gone.len(), 1);
    assert_eq!(
        (gone[0].conn, gone[0].handshake),
        (1, Handshake::Incomplete)
    );
}

#[test]
fn unanswered_handshakes_age_out_with_packet_time() {
    let mut x = Script::new();
    x.send(seg("127.0.0.1:50001", SERVER, S, 1000, 0, 0));
    x.handshake();
    x.wait(DEFAULT_HALF_OPEN_TIMEOUT);
    // Any packet brings the time forward: the SYN left alone is freed,
    // the open connection is not.
    x.c(PA, c(1), s(1), 1);
    assert_eq!(x.tracker.live_connections(), 1);
    let gone = x.tracker.take_finished();
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].handshake, Handshake::Incomplete);
}

/// A three-way teardown of the scripted connection, the client closing.
fn close_three_way(x: &mut Script) {
    x.c(FA, c(1), s(1), 0);
    x.s(FA, s(1), c(2), 0);
    x.c(A, c(2), s(2), 0);
}

#[test]
fn a_fin_sent_again_after_a_lost_last_ack_belongs_to_the_old_connection() {
    let mut x = Script::new();
    x.handshake();
    close_three_way(&mut x);
    assert_eq!(x.finished_one().conn, 1);
    assert_eq!(x.tracker.live_connections(), 0);
    assert_eq!(x.tracker.closed_connections(), 1);

    // Seconds later the server sends its FIN again: the last ACK, seen
    // here, never reached it. Same connection, same relative numbers.
    x.wait(Duration::from_secs(5));
    let again = x.s(FA, s(1), c(2), 0);
    assert_eq!(again.conn, Some(1));
    assert_eq!(
        (again.step, again.teardown_step),
        (Step::Retransmission, Some(3))
    );
    assert_eq!((again.rel_seq, again.rel_ack), (1, 2));
    assert_eq!(
        again.note,
        Note::Retransmission {
            from: Side::Server,
            what: Resent::Fin {
                rel_seq: 1,
                ack_seen: true
            }
        }
    );
    // The server was not CLOSED: still LAST-ACK, waiting for that ACK.
    assert_eq!(states(&again), (TimeWait, LastAck));
    assert_eq!(
        again.revisions,
        vec![Revision {
            side: Side::Server,
            shown: Closed,
            really: LastAck
        }]
    );
    // The client, in TIME-WAIT, answers it again.
    let answer = x.c(A, c(2), s(2), 0);
    assert_eq!((answer.conn, answer.step), (Some(1), Step::Teardown4));
    assert_eq!(states(&answer), (TimeWait, Closed));
    assert!(x.tracker.take_finished().is_empty(), "reported once");

    // A copy of the last ACK that comes later still: nothing new.
    let copy = x.c(A, c(2), s(2), 0);
    assert_eq!((copy.conn, copy.step), (Some(1), Step::Ack));
    assert_eq!(x.tracker.live_connections(), 0);
}

#[test]
fn a_closed_connection_is_remembered_for_time_wait_only() {
    let mut x = Script::new();
    x.handshake();
    close_three_way(&mut x);
    x.finished_one();
    // 59 s later: still known.
    x.wait(DEFAULT_TIME_WAIT - Duration::from_secs(1));
    assert_eq!(x.c(A, c(2), s(2), 0).conn, Some(1));
    // After TIME-WAIT, by packet time (any packet moves it on): forgotten;
    // the same 4-tuple is a new connection whose handshake was not seen.
    x.wait(Duration::from_secs(2));
    x.send(seg("127.0.0.1:50001", SERVER, S, 1000, 0, 0));
    assert_eq!(x.tracker.closed_connections(), 0);
    let later = x.c(A, c(2), s(2), 0);
    assert_eq!(later.conn, Some(3));
    assert_eq!(x.tracker.finish()[1].handshake, Handshake::NotSeen);
}

#[test]
fn tombstones_are_bounded_in_number() {
    let mut x = Script::with(TrackConfig {
        max_closed: 3,
        ..TrackConfig::default()
    });
    for i in 0..10u32 {
        let client = format!("127.0.0.1:{}", 50_000 + i);
        x.send(seg(&client, SERVER, S, 1000, 0, 0));
        x.send(seg(SERVER, &client, RA, 0, 1001, 0));
    }
    assert_eq!(x.tracker.closed_connections(), 3);
    assert_eq!(x.tracker.live_connections(), 0);
    // The newest are the ones kept.
    let late = x.send(seg(SERVER, "127.0.0.1:50009", RA, 0, 1001, 0));
    assert_eq!(
        (late.conn, late.note),
        (Some(10), Note::LateReset { from: Side::Server })
    );
    let forgotten = x.send(seg(SERVER, "127.0.0.1:50000", RA, 0, 1001, 0));
    assert_eq!(forgotten.conn, Some(11));
}

#[test]
fn finish_reports_open_connections_by_number() {
    let mut x = Script::new();
    x.handshake();
    x.send(seg("127.0.0.1:50001", SERVER, S, 1000, 0, 0));
    x.c(FA, c(1), s(1), 0);
    let all = x.tracker.finish();
    assert_eq!(all.iter().map(|s| s.conn).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(all[0].teardown, Teardown::Open);
    assert_eq!(all[0].closed_by, Some(Side::Client));
    assert_eq!(all[1].handshake, Handshake::Incomplete);
    assert_eq!(x.tracker.live_connections(), 0);
}

#[test]
fn udp_flows_are_numbered_and_explained() {
    let mut tr = Tracker::default();
    let t = Duration::from_secs(1);
    let dgram = |src: &str, dst: &str, len: u32| Datagram {
        src: addr(src),
        dst: addr(dst),
        payload_len: len,
        preview: Vec::new(),
        payload_truncated: false,
    };
    let first = tr.on_datagram(t, &dgram(CLIENT, SERVER, 5));
    assert_eq!(first.flow, 1);
    assert_eq!(first.note, UdpNote::First { len: 5 });
    let reply = tr.on_datagram(t, &dgram(SERVER, CLIENT, 5));
    assert_eq!(reply.flow, 1);
    assert_eq!(reply.note, UdpNote::Reply { len: 5, n: 2 });
    let again = tr.on_datagram(t, &dgram(CLIENT, SERVER, 1));
    assert_eq!(again.note, UdpNote::Next { len: 1, n: 3 });
    let other = tr.on_datagram(t, &dgram("127.0.0.1:40000", SERVER, 1));
    assert_eq!(other.flow, 2);
    assert_eq!(tr.live_udp_flows(), 2);
}

#[test]
fn udp_flow_table_is_bounded() {
    let mut tr = Tracker::new(TrackConfig {
        max_connections: 1,
        ..TrackConfig::default()
    });
    let dgram = |src: &str| Datagram {
        src: addr(src),
        dst: addr(SERVER),
        payload_len: 1,
        preview: Vec::new(),
        payload_truncated: false,
    };
    assert_eq!(
        tr.on_datagram(Duration::from_secs(1), &dgram(CLIENT)).flow,
        1
    );
    assert_eq!(
        tr.on_datagram(Duration::from_secs(2), &dgram("127.0.0.1:40000"))
            .flow,
        2
    );
    assert_eq!(tr.live_udp_flows(), 1);
    // Flow 1 was forgotten: it comes back with a new number.
    assert_eq!(
        tr.on_datagram(Duration::from_secs(3), &dgram(CLIENT)).flow,
        3
    );
}

#[test]
fn data_that_completes_the_handshake() {
    let mut x = Script::new();
    x.c(S, C_ISN, 0, 0);
    x.s(SA, S_ISN, c(1), 0);
    // No separate ACK: the first data segment carries it.
    let data = x.c(PA, c(1), s(1), 6);
    assert_eq!((data.step, data.handshake_step), (Step::Data, Some(3)));
    assert_eq!(states(&data), (Established, Established));
    assert_eq!(extra(&data), [Note::CompletesHandshake]);
    assert_eq!(x.tracker.finish()[0].handshake, Handshake::Complete);
}

#[test]
fn a_lost_one_byte_write_sent_again_is_a_retransmission_not_a_keep_alive() {
    let mut x = Script::new();
    x.handshake();
    x.c(PA, c(1), s(1), 6);
    x.s(A, s(1), c(7), 0);
    // A 1-byte write whose segment is lost: the kernel sends it again at
    // SND.NXT − 1 while that byte is still unacknowledged.
    let first = x.c(PA, c(7), s(1), 1);
    assert_eq!(first.step, Step::Data);
    for wait in [200, 400] {
        x.wait(Duration::from_millis(wait));
        let again = x.c(PA, c(7), s(1), 1);
        assert_eq!(again.step, Step::Retransmission);
        assert_eq!(again.labels, vec![Label::Retransmission]);
        assert_eq!(
            again.note,
            Note::Retransmission {
                from: Side::Client,
                what: Resent::Data {
                    rel_seq: 7,
                    len: 1,
                    why: Why::Timeout
                }
            }
        );
    }
    // Once everything is acknowledged, the same shape is a keep-alive.
    x.s(A, s(1), c(8), 0);
    x.wait(Duration::from_secs(7200));
    let probe = x.c(PA, c(7), s(1), 1);
    assert_eq!(probe.labels, vec![Label::KeepAlive]);
    let sum = x.tracker.finish().remove(0);
    assert_eq!(sum.retransmissions, 2, "as the kernel counts them");
    assert_eq!(sum.bytes_c2s, 7);
}

#[test]
fn duplicate_acks_keep_counting_across_a_window_update() {
    let mut x = Script::new();
    x.handshake();
    for i in 0..4 {
        x.c(PA, c(1 + 100 * i), s(1), 100);
    }
    x.s(A, s(1), c(101), 0);
    assert_eq!(x.s(A, s(1), c(101), 0).labels, vec![Label::DupAck(1)]);
    assert_eq!(x.s(A, s(1), c(101), 0).labels, vec![Label::DupAck(2)]);
    // The receiver's window grows (the application read): SND.UNA does not
    // move, so RFC 5681 goes on counting.
    let mut wider = seg(SERVER, CLIENT, A, s(1), c(101), 0);
    wider.window = WINDOW * 2;
    assert_eq!(x.send(wider.clone()).labels, vec![Label::WindowUpdate]);
    assert_eq!(x.send(wider).labels, vec![Label::DupAck(3)]);
    let resent = x.c(PA, c(101), s(1), 100);
    assert!(matches!(
        resent.note,
        Note::Retransmission {
            what: Resent::Data { why: Why::Fast, .. },
            ..
        }
    ));
    // An ACK that moves SND.UNA starts the count again.
    let mut moved = seg(SERVER, CLIENT, A, s(1), c(201), 0);
    moved.window = WINDOW * 2;
    assert!(x.send(moved.clone()).labels.is_empty());
    assert_eq!(x.send(moved).labels, vec![Label::DupAck(1)]);
}

#[test]
fn a_reordered_original_is_out_of_order_and_counted_once() {
    let mut x = Script::new();
    x.handshake();
    x.c(PA, c(1), s(1), 100);
    // Bytes 101..201 are overtaken by 201..301.
    let later = x.c(PA, c(201), s(1), 100);
    assert_eq!((later.step, later.labels.clone()), (Step::Data, vec![]));
    let late = x.c(PA, c(101), s(1), 100);
    assert_eq!(late.step, Step::Data);
    assert_eq!(late.labels, vec![Label::OutOfOrder]);
    assert_eq!(
        late.note,
        Note::OutOfOrder {
            from: Side::Client,
            len: 100,
            rel_seq: 101
        }
    );
    // Now they were seen: the same bytes again are a retransmission.
    let again = x.c(PA, c(101), s(1), 100);
    assert_eq!(again.step, Step::Retransmission);
    // A segment that repeats 50 old bytes and brings 50 new ones.
    x.c(PA, c(251), s(1), 100);
    let sum = x.tracker.finish().remove(0);
    assert_eq!(sum.bytes_c2s, 350, "each byte counted once");
    assert_eq!((sum.retransmissions, sum.out_of_order), (1, 1));
}

#[test]
fn a_syn_sent_again_after_its_syn_ack_was_seen_proves_the_syn_ack_was_lost() {
    let mut x = Script::new();
    x.c(S, C_ISN, 0, 0);
    let synack = x.s(SA, S_ISN, c(1), 0);
    assert_eq!(states(&synack), (Established, SynReceived));
    // The SYN-ACK seen here is dropped before the client: its SYN comes again.
    x.wait(Duration::from_secs(1));
    let again = x.c(S, C_ISN, 0, 0);
    assert_eq!((again.step, again.conn), (Step::Retransmission, Some(1)));
    assert_eq!(
        again.note,
        Note::Retransmission {
            from: Side::Client,
            what: Resent::Syn {
                isn: C_ISN,
                answer_seen: true
            }
        }
    );
    assert_eq!(states(&again), (SynSent, SynReceived));
    assert_eq!(
        again.revisions,
        vec![Revision {
            side: Side::Client,
            shown: Established,
            really: SynSent
        }]
    );
    // The server answers the repeated SYN; this time it arrives.
    let synack2 = x.s(SA, S_ISN, c(1), 0);
    assert_eq!(synack2.step, Step::Retransmission);
    assert_eq!(
        synack2.note,
        Note::Retransmission {
            from: Side::Server,
            what: Resent::SynAck {
                why: SynAckWhy::SynAgain
            }
        }
    );
    assert_eq!(states(&synack2), (Established, SynReceived));
    let ack = x.c(A, c(1), s(1), 0);
    assert_eq!(
        (ack.step, states(&ack)),
        (Step::Handshake3, (Established, Established))
    );
    // The server's timer fires before that ACK reaches it: once more.
    let synack3 = x.s(SA, S_ISN, c(1), 0);
    assert_eq!(
        synack3.note,
        Note::Retransmission {
            from: Side::Server,
            what: Resent::SynAck {
                why: SynAckWhy::AckNotReceived
            }
        }
    );
    assert_eq!(states(&synack3), (Established, SynReceived));
    assert_eq!(
        synack3.revisions,
        vec![Revision {
            side: Side::Server,
            shown: Established,
            really: SynReceived
        }]
    );
    let ack = x.c(A, c(1), s(1), 0);
    assert_eq!(states(&ack), (Established, Established));
    let sum = x.tracker.finish().remove(0);
    assert_eq!(
        (sum.handshake, sum.retransmissions),
        (Handshake::Complete, 3)
    );
}

#[test]
fn data_or_a_fin_sent_again_after_its_ack_was_seen_proves_that_ack_was_lost() {
    let mut x = Script::new();
    x.handshake();
    x.c(PA, c(1), s(1), 6);
    x.s(A, s(1), c(7), 0);
    x.wait(Duration::from_millis(200));
    let again = x.c(PA, c(1), s(1), 6);
    assert_eq!(
        again.note,
        Note::Retransmission {
            from: Side::Client,
            what: Resent::Data {
                rel_seq: 1,
                len: 6,
                why: Why::AckNotReceived
            }
        }
    );
    // The client's FIN is acknowledged here, then sent again: the client
    // never got that ACK and is still FIN-WAIT-1, not FIN-WAIT-2.
    x.c(FA, c(7), s(1), 0);
    let ack = x.s(A, s(1), c(8), 0);
    assert_eq!(states(&ack), (FinWait2, CloseWait));
    let fin = x.c(FA, c(7), s(1), 0);
    assert_eq!(
        (fin.step, fin.teardown_step),
        (Step::Retransmission, Some(1))
    );
    assert_eq!(states(&fin), (FinWait1, CloseWait));
    assert_eq!(
        fin.revisions,
        vec![Revision {
            side: Side::Client,
            shown: FinWait2,
            really: FinWait1
        }]
    );
    let ack = x.s(A, s(1), c(8), 0);
    assert_eq!(
        (ack.step, states(&ack)),
        (Step::Teardown2, (FinWait2, CloseWait))
    );
}

#[test]
fn close_entered_with_data_still_queued_shows_fin_wait_1_at_once() {
    let mut x = Script::new();
    x.handshake();
    // close() is entered while 2 segments of data still wait to be sent.
    x.close_called(Side::Client);
    let data = x.c(PA, c(1), s(1), 100);
    assert_eq!(states(&data), (FinWait1, Established));
    assert_eq!(
        extra(&data),
        [Note::CloseCalled {
            side: Side::Client,
            queued: true
        }]
    );
    let more = x.c(PA, c(101), s(1), 100);
    assert_eq!(states(&more), (FinWait1, Established));
    assert!(extra(&more).is_empty(), "said once");
    let fin = x.c(FA, c(201), s(1), 0);
    assert_eq!(
        (fin.step, states(&fin)),
        (Step::Teardown1, (FinWait1, CloseWait))
    );
    // The server reads the 0 and closes: LAST-ACK from close() on.
    x.close_called(Side::Server);
    let fin2 = x.s(FA, s(1), c(202), 0);
    assert_eq!(states(&fin2), (TimeWait, LastAck));
    assert!(extra(&fin2).is_empty(), "its own FIN says it");
}

#[test]
fn a_close_call_seen_first_makes_crossing_fins_certain() {
    let mut x = Script::new();
    x.handshake();
    // Both programs enter close() at about the same time; the server's call
    // comes before the client's FIN reaches it.
    x.close_called(Side::Server);
    let fin1 = x.c(FA, c(1), s(1), 0);
    // Not CLOSE-WAIT: the server was FIN-WAIT-1, the client's FIN makes it CLOSING.
    assert_eq!(states(&fin1), (FinWait1, Closing));
    assert_eq!(fin1.inferred, None);
    assert_eq!(
        extra(&fin1),
        [Note::CloseCalled {
            side: Side::Server,
            queued: false
        }]
    );
    let fin2 = x.s(FA, s(1), c(1), 0);
    assert_eq!(states(&fin2), (Closing, Closing));
    assert!(fin2.revisions.is_empty());
    x.c(A, c(2), s(2), 0);
    x.s(A, s(2), c(2), 0);
    assert_eq!(x.finished_one().teardown, Teardown::Simultaneous);
}

#[test]
fn close_calls_of_an_earlier_connection_or_of_unseen_sockets_change_nothing() {
    let mut x = Script::new();
    let early = x.t;
    x.tracker
        .call_entered(addr(CLIENT), addr(SERVER), EnteredCall::Close, early);
    x.wait(Duration::from_secs(1));
    let [syn, ..] = x.handshake();
    assert_eq!(states(&syn).0, SynSent);
    let data = x.c(PA, c(1), s(1), 1);
    assert_eq!(states(&data), (Established, Established));
    for i in 0..10_000u32 {
        let local: SocketAddr = format!("127.0.0.2:{}", 1024 + i).parse().unwrap();
        x.tracker
            .call_entered(local, addr(SERVER), EnteredCall::Close, x.t);
    }
    assert!(x.tracker.pending_calls <= MAX_PENDING_CALLS);
}

#[test]
fn bytes_that_fill_a_hole_late_are_a_retransmission_whose_first_copy_was_missed() {
    // With TCP timestamps: the copy that fills the hole is newer (TSval)
    // than the later bytes, so it was sent after them: sent again.
    let mut x = Script::new();
    x.handshake();
    let with_ts = |seq: u32, tsval: u32| {
        let mut s = seg(CLIENT, SERVER, PA, seq, s(1), 100);
        s.options.timestamps = Some((tsval, 0));
        s
    };
    x.send(with_ts(c(1), 100));
    x.send(with_ts(c(201), 101));
    let resent = x.send(with_ts(c(101), 350));
    assert_eq!(resent.step, Step::Retransmission);
    assert_eq!(
        resent.note,
        Note::Retransmission {
            from: Side::Client,
            what: Resent::Data {
                rel_seq: 101,
                len: 100,
                why: Why::FirstCopyNotSeen
            }
        }
    );
    // An original overtaken carries an older TSval, however late it comes.
    x.send(with_ts(c(401), 360));
    x.wait(Duration::from_millis(500));
    let original = x.send(with_ts(c(301), 359));
    assert_eq!(original.labels, vec![Label::OutOfOrder]);
    let sum = x.tracker.finish().remove(0);
    assert_eq!(
        sum.bytes_c2s, 500,
        "each byte once: the first copy was never seen"
    );
    assert_eq!((sum.retransmissions, sum.out_of_order), (1, 1));

    // Without timestamps, the time decides: 300 ms is a retransmission timer.
    let mut x = Script::new();
    x.handshake();
    x.c(PA, c(1), s(1), 100);
    x.c(PA, c(201), s(1), 100);
    x.wait(Duration::from_millis(300));
    assert_eq!(x.c(PA, c(101), s(1), 100).step, Step::Retransmission);
}

#[test]
fn close_with_so_linger_0_is_an_rst_and_says_nothing_of_a_queued_fin() {
    let mut x = Script::new();
    x.handshake();
    x.close_called(Side::Client);
    let rst = x.c(RA, c(1), s(1), 0);
    assert_eq!(states(&rst), (Closed, Closed));
    assert!(extra(&rst).is_empty(), "{:?}", rst.extra);
}

/// `win 64` after the SYN's `win 65495`: the first scaled window says
/// why, once per connection (again only for a side with another scale).
#[test]
fn the_first_scaled_window_explains_window_scaling() {
    let mut sc = Script::new();
    let [syn, synack, ack] = sc.handshake();
    let scaled = |a: &Annotation| {
        a.extra
            .iter()
            .filter(|n| matches!(n, Note::WindowScaled { .. }))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(
        scaled(&syn).is_empty() && scaled(&synack).is_empty(),
        "SYNs are not scaled"
    );
    assert_eq!(
        scaled(&ack),
        [Note::WindowScaled {
            from: Side::Client,
            raw: WINDOW,
            shift: 7,
            bytes: u64::from(WINDOW) << 7,
        }]
    );
    // The server scales by the same 7: said once is enough.
    let data = sc.s(PA, s(1), c(1), 10);
    assert!(scaled(&data).is_empty());
    assert!(scaled(&sc.c(A, c(1), s(11), 0)).is_empty());
    let words = crate::i18n::en::note(&scaled(&ack)[0]);
    assert!(
        words.contains("win 512 counts units of 128 bytes"),
        "{words}"
    );
    assert!(words.contains("65536 bytes"), "{words}");

    // Without window scale in both SYNs, nothing to explain.
    let mut plain = Script::new();
    plain.c(S, C_ISN, 0, 0);
    plain.s(SA, S_ISN, c(1), 0);
    let ack = plain.c(A, c(1), s(1), 0);
    assert!(scaled(&ack).is_empty());
}
