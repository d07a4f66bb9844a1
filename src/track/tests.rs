//! Scenario tests: each builds a short exchange segment by segment, as
//! `wire::decode` would hand it over, and checks what a student would see:
//! the step, both states after the segment, the relative numbers, the key
//! facts of the note, and the connection's summary.

use std::net::SocketAddr;
use std::time::Duration;

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

#[track_caller]
fn says(a: &Annotation, words: &[&str]) {
    for w in words {
        assert!(a.note.contains(w), "note lacks {w:?}: {}", a.note);
    }
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
    says(
        &syn,
        &[
            "ISN",
            "3476521",
            "MSS 65495",
            "window scale 7",
            "SACK permitted",
            "timestamps",
        ],
    );

    assert_eq!(
        (synack.dir, synack.step, synack.handshake_step),
        (Dir::S2C, Step::Handshake2, Some(2))
    );
    assert_eq!(states(&synack), (Established, SynReceived));
    assert_eq!((synack.rel_seq, synack.rel_ack), (0, 1));
    says(
        &synack,
        &[
            "982734",
            "ack 1 = the client's ISN 3476521 + 1",
            "one byte in sequence space",
            "MSS 65495",
        ],
    );

    assert_eq!((ack.step, ack.handshake_step), (Step::Handshake3, Some(3)));
    assert_eq!(states(&ack), (Established, Established));
    assert_eq!((ack.rel_seq, ack.rel_ack), (1, 1));
    says(&ack, &["982734 + 1", "ESTABLISHED"]);

    let data = x.c(PA, c(1), s(1), 6);
    assert_eq!((data.step, data.rel_seq, data.rel_ack), (Step::Data, 1, 1));
    says(&data, &["client sends 6 bytes (seq 1..7)"]);

    let acked = x.s(A, s(1), c(7), 0);
    assert_eq!(
        (acked.step, acked.rel_seq, acked.rel_ack),
        (Step::Ack, 1, 7)
    );
    says(
        &acked,
        &["server acknowledges 6 bytes: next expected byte is 7"],
    );

    let reply = x.s(PA, s(1), c(7), 12);
    says(&reply, &["server sends 12 bytes (seq 1..13)"]);
    let acked = x.c(A, c(7), s(13), 0);
    says(
        &acked,
        &["client acknowledges 12 bytes: next expected byte is 13"],
    );
    assert!(acked.labels.is_empty());

    let fin1 = x.c(FA, c(7), s(13), 0);
    assert_eq!(
        (fin1.step, fin1.teardown_step, fin1.rel_seq),
        (Step::Teardown1, Some(1), 7)
    );
    assert_eq!(states(&fin1), (FinWait1, CloseWait));
    says(&fin1, &["FIN (seq 7)", "FIN-WAIT-1", "CLOSE-WAIT"]);

    let fin2 = x.s(FA, s(13), c(8), 0);
    assert_eq!((fin2.step, fin2.teardown_step), (Step::Teardown3, Some(3)));
    assert_eq!((fin2.rel_seq, fin2.rel_ack), (13, 8));
    // The client received the FIN in FIN-WAIT-1 with its own FIN
    // acknowledged: FIN-WAIT-2, then TIME-WAIT (RFC 9293).
    assert_eq!(states(&fin2), (TimeWait, LastAck));
    says(
        &fin2,
        &[
            "folded",
            "ack 8",
            "three-way",
            "still the four steps, in three segments",
        ],
    );
    assert!(
        x.tracker.take_finished().is_empty(),
        "not ended before the last ACK"
    );

    let last = x.c(A, c(8), s(14), 0);
    assert_eq!((last.step, last.teardown_step), (Step::Teardown4, Some(4)));
    assert_eq!(states(&last), (TimeWait, Closed));
    says(&last, &["TIME-WAIT", "2×MSL", "60 s"]);

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
    says(&fin1, &["the server sends FIN (seq 4)"]);

    let fin2 = x.c(FA, c(6), s(5), 0);
    assert_eq!(fin2.step, Step::Teardown3);
    assert_eq!(states(&fin2), (LastAck, TimeWait));

    let last = x.s(A, s(5), c(7), 0);
    assert_eq!(last.step, Step::Teardown4);
    assert_eq!(states(&last), (Closed, TimeWait));
    says(
        &last,
        &["The client is CLOSED", "the server stays in TIME-WAIT"],
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
    says(
        &ack1,
        &["acknowledges the client's FIN (ack 2)", "FIN-WAIT-2"],
    );

    x.wait(Duration::from_millis(40));
    let fin2 = x.s(FA, s(1), c(2), 0);
    assert_eq!((fin2.step, fin2.teardown_step), (Step::Teardown3, Some(3)));
    assert_eq!(states(&fin2), (TimeWait, LastAck));
    assert!(!fin2.note.contains("folded"), "{}", fin2.note);

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
    says(&fin2, &["does not acknowledge", "simultaneous", "CLOSING"]);

    let ack_of_server_fin = x.c(A, c(2), s(2), 0);
    assert_eq!(ack_of_server_fin.step, Step::Teardown4);
    assert_eq!(states(&ack_of_server_fin), (Closing, TimeWait));
    assert!(x.tracker.take_finished().is_empty());

    let ack_of_client_fin = x.s(A, s(2), c(2), 0);
    assert_eq!(ack_of_client_fin.step, Step::Teardown2);
    assert_eq!(states(&ack_of_client_fin), (TimeWait, TimeWait));
    says(&ack_of_client_fin, &["both sides now stay in TIME-WAIT"]);

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
    says(&late, &[
        "half-close: the client has finished sending (shutdown(SHUT_WR)) but the server still sends 12 bytes (seq 1..13)",
    ]);
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
    says(&data, &["half-close", "teardown 2"]);
    let fin2 = x.s(FA, s(5), c(2), 0);
    assert!(!fin2.note.contains("folded"), "{}", fin2.note);
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
    says(&fin, &["its last 5 bytes (seq 7..12) and FIN (seq 12)"]);
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
    says(
        &rst,
        &["the client aborts", "RST", "SO_LINGER 0", "unread data"],
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
    says(&late, &["after the reset"]);
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
    says(&rst, &["after the connection ended"]);
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
    assert_eq!(states(&rst), (Closed, Closed));
    says(
        &rst,
        &[
            "connection refused: nothing listens on that port",
            "9000",
            "ECONNREFUSED",
        ],
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
    says(&again, &["SYN again", "3476521"]);

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
    says(&data, &["server sends 10 bytes (seq 1..11)"]);

    let ack = x.c(A, 5000, 9010, 0);
    assert_eq!((ack.step, ack.rel_seq, ack.rel_ack), (Step::Ack, 1, 11));
    says(&ack, &["next expected byte is 11"]);
    let more = x.c(PA, 5000, 9010, 3);
    says(&more, &["client sends 3 bytes (seq 1..4)"]);

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
    says(&synack, &["ISN 3476521 + 1 (its SYN was not captured)"]);
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
    says(&again, &["bytes 1..7 again", "not acknowledged in time"]);
    let ack = x.s(A, s(1), c(7), 0);
    says(&ack, &["acknowledges 6 bytes"]);

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
        says(
            &dup,
            &[
                &format!("duplicate ACK #{n}"),
                "byte 101",
                "fast retransmit",
            ],
        );
    }
    let resent = x.c(PA, c(101), s(1), 100);
    assert_eq!(resent.step, Step::Retransmission);
    says(
        &resent,
        &[
            "bytes 101..201 again",
            "fast retransmit after 3 duplicate ACKs",
        ],
    );
    let caught_up = x.s(A, s(1), c(401), 0);
    assert!(caught_up.labels.is_empty());
    says(
        &caught_up,
        &["acknowledges 300 bytes: next expected byte is 401"],
    );
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
    says(&probe, &["keep-alive probe", "seq 6 = next − 1"]);
    let answer = x.s(A, s(1), c(7), 0);
    assert_eq!(answer.step, Step::Ack);
    assert_eq!(answer.labels, vec![Label::KeepAliveAck]);
    says(&answer, &["answers the keep-alive probe"]);

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
    says(
        &full,
        &[
            "Window 0",
            "server's receive buffer is full",
            "client must wait",
        ],
    );

    let probe = x.c(A, c(6), s(1), 0);
    assert_eq!(probe.labels, vec![Label::ZeroWindowProbe]);
    says(&probe, &["zero-window probe"]);

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
    says(
        &open,
        &[
            "window update",
            "65536 bytes (was 0)",
            "next expected byte is still 7",
        ],
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
    says(&data, &["client sends 6 bytes (seq 1..7)"]);
    let acked = x.s(A, 0, 4, 0);
    assert_eq!((acked.rel_seq, acked.rel_ack), (1, 7));
    says(&acked, &["acknowledges 6 bytes: next expected byte is 7"]);
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

#[test]
fn max_connections_cap_counts_untracked_segments() {
    let mut x = Script::with(TrackConfig {
        max_connections: 2,
        ..TrackConfig::default()
    });
    let a = x.send(seg("127.0.0.1:50001", SERVER, S, 1000, 0, 0));
    let b = x.send(seg("127.0.0.1:50002", SERVER, S, 2000, 0, 0));
    assert_eq!((a.conn, b.conn), (Some(1), Some(2)));

    let over = x.send(seg("127.0.0.1:50003", SERVER, S, 3000, 0, 0));
    assert_eq!(over.conn, None);
    assert_eq!(
        (over.client, over.server),
        (addr("127.0.0.1:50003"), addr(SERVER))
    );
    assert_eq!(over.rel_seq, 3000, "absolute when untracked");
    says(&over, &["not tracked", "2 connections"]);
    x.send(seg(SERVER, "127.0.0.1:50003", RA, 0, 3001, 0));
    assert_eq!(x.tracker.untracked(), 2);
    assert_eq!(x.tracker.live_connections(), 2);

    // Connections already followed keep being tracked.
    let refused = x.send(seg(SERVER, "127.0.0.1:50001", RA, 0, 1001, 0));
    assert_eq!(refused.conn, Some(1));
    // Connection 1 has ended: a new 4-tuple may take its place.
    let d = x.send(seg("127.0.0.1:50004", SERVER, S, 4000, 0, 0));
    assert_eq!(d.conn, Some(3));
    assert_eq!(x.tracker.live_connections(), 2);
    assert_eq!(x.tracker.untracked(), 2);
}

#[test]
fn linger_frees_ended_connections() {
    let mut x = Script::with(TrackConfig {
        linger: Duration::from_secs(2),
        ..TrackConfig::default()
    });
    x.handshake();
    x.c(FA, c(1), s(1), 0);
    x.s(FA, s(1), c(2), 0);
    x.c(A, c(2), s(2), 0);
    let ended = x.t;
    assert_eq!(x.tracker.take_finished().len(), 1);
    assert_eq!(x.tracker.live_connections(), 1);

    // A late copy of the last ACK, within the linger: same connection.
    x.wait(Duration::from_secs(1));
    let late = x.c(A, c(2), s(2), 0);
    assert_eq!(late.conn, Some(1));
    assert_eq!(x.tracker.live_connections(), 1);

    // The capture goes idle: the capture loop calls `expire` with the time.
    x.tracker.expire(ended + Duration::from_millis(1999));
    assert_eq!(x.tracker.live_connections(), 1);
    x.tracker.expire(ended + Duration::from_secs(2));
    assert_eq!(x.tracker.live_connections(), 0);
    assert!(x.tracker.take_finished().is_empty());

    // After the linger the 4-tuple is unknown: a late segment starts a
    // new connection whose handshake was not seen.
    let later = x.c(A, c(2), s(2), 0);
    assert_eq!(later.conn, Some(2));
    assert_eq!(x.tracker.finish()[0].handshake, Handshake::NotSeen);
}

#[test]
fn ended_connections_are_freed_as_packet_time_passes() {
    let mut x = Script::new();
    x.c(S, C_ISN, 0, 0);
    x.s(RA, 0, c(1), 0);
    assert_eq!(x.tracker.live_connections(), 1);
    x.wait(DEFAULT_LINGER);
    // Any packet brings the time forward, even on another 4-tuple.
    x.send(seg("127.0.0.1:50001", SERVER, S, 1000, 0, 0));
    assert_eq!(x.tracker.live_connections(), 1);
    assert_eq!(x.tracker.finish().len(), 2);
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
    assert!(first.note.contains("UDP datagram of 5 bytes: no handshake precedes it and no teardown follows; it stands alone"));
    let reply = tr.on_datagram(t, &dgram(SERVER, CLIENT, 5));
    assert_eq!(reply.flow, 1);
    assert!(reply.note.contains("reply"), "{}", reply.note);
    assert!(!reply.note.contains("stands alone"));
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
    says(
        &data,
        &[
            "client sends 6 bytes (seq 1..7).",
            "completes the handshake",
        ],
    );
    assert_eq!(x.tracker.finish()[0].handshake, Handshake::Complete);
}
