//! One TCP connection: what each side has sent, each side's state, and the
//! classification of every segment into a step of the connection's life.

use std::net::SocketAddr;
use std::time::Duration;

use crate::wire::{Segment, TcpFlags, TcpOptions};

use super::classify::{Dir, Handshake, Label, Side, Step, Teardown};
use super::notes::{self, Resent, SecondFin};
use super::seq;
use super::state::TcpState;
use super::{Annotation, ConnSummary};

/// The largest window-scale shift RFC 7323 allows.
const MAX_WSCALE: u8 = 14;

/// What one endpoint has sent: its half of the byte stream.
#[derive(Debug, Default)]
struct Half {
    /// Relative numbers are `seq - base` (Wireshark): the ISN, or one
    /// before the first sequence number seen when the SYN was missed.
    base: Option<u32>,
    /// The sequence number of its SYN, if seen.
    isn: Option<u32>,
    /// One past the highest sequence number sent (SND.NXT as far as seen).
    next: Option<u32>,
    /// The sequence number of its FIN, once sent.
    fin: Option<u32>,
    /// Whether the peer has acknowledged that FIN.
    fin_acked: bool,
    /// The highest acknowledgement number it has sent.
    max_ack: Option<u32>,
    /// The ack and window of its previous segment (duplicate-ACK detection).
    last_ack: Option<u32>,
    last_window: Option<u16>,
    /// Duplicate ACKs in a row.
    dup_acks: u32,
    /// Options of its SYN or SYN-ACK.
    syn_options: Option<TcpOptions>,
    segments: u64,
    /// New payload bytes (retransmissions and probes not counted).
    bytes: u64,
}

/// The facts of one segment the tracker works with.
struct Facts {
    syn: bool,
    ack: bool,
    fin: bool,
    rst: bool,
    seq: u32,
    ack_no: u32,
    len: u32,
    /// One past the last sequence number it occupies (SYN and FIN count one).
    end: u32,
    window: u16,
}

impl Facts {
    fn of(seg: &Segment) -> Facts {
        let syn = seg.flags.has(TcpFlags::SYN);
        let fin = seg.flags.has(TcpFlags::FIN);
        let len = seg.payload_len;
        Facts {
            syn,
            ack: seg.flags.has(TcpFlags::ACK),
            fin,
            rst: seg.flags.has(TcpFlags::RST),
            seq: seg.seq.0,
            ack_no: seg.ack.0,
            len,
            end: seg
                .seq
                .0
                .wrapping_add(len)
                .wrapping_add(u32::from(syn))
                .wrapping_add(u32::from(fin)),
            window: seg.window,
        }
    }

    /// SYN without ACK: a connection request.
    fn is_syn_only(&self) -> bool {
        self.syn && !self.ack && !self.rst
    }
}

/// What the classification of one segment produced.
struct Outcome {
    step: Step,
    labels: Vec<Label>,
    note: String,
    handshake_step: Option<u8>,
    teardown_step: Option<u8>,
}

/// What the ACK field of one segment did.
#[derive(Default)]
struct AckEffect {
    /// New bytes acknowledged (`None` when this side never acknowledged before).
    acked: Option<u32>,
    /// It covered the peer's SYN (the peer left SYN-RECEIVED).
    syn: bool,
    /// It covered the peer's FIN for the first time.
    fin: bool,
}

/// One tracked TCP connection.
#[derive(Debug)]
pub(super) struct Conn {
    pub(super) id: u64,
    pub(super) client: SocketAddr,
    pub(super) server: SocketAddr,
    /// Indexed by [`Side::index`]: client 0, server 1.
    halves: [Half; 2],
    states: [TcpState; 2],
    syn_seen: bool,
    synack_seen: bool,
    handshake_done: bool,
    refused: bool,
    /// Time of the most recent SYN (for the handshake time).
    syn_time: Option<Duration>,
    handshake_rtt: Option<Duration>,
    /// The side whose FIN came first (the active closer).
    closer: Option<Side>,
    /// How the second FIN related to the first (decided when it is sent).
    fin_pattern: Option<Teardown>,
    /// `Open` until the connection ends.
    teardown: Teardown,
    closed_by: Option<Side>,
    half_close: bool,
    first: Duration,
    last: Duration,
    retransmissions: u64,
    /// Packet time at which the connection ended (teardown done, RST).
    ended_at: Option<Duration>,
    /// Its summary was already handed out.
    pub(super) reported: bool,
    /// The previous segment was a keep-alive probe from this side.
    keepalive_from: Option<Side>,
}

impl Conn {
    /// A connection whose first captured segment is `seg`.
    pub(super) fn new(id: u64, t: Duration, seg: &Segment) -> Conn {
        let f = Facts::of(seg);
        let (client, server, states) = if f.is_syn_only() {
            (seg.src, seg.dst, [TcpState::Closed, TcpState::Listen])
        } else if f.syn && f.ack && !f.rst {
            // SYN missed: the SYN-ACK goes to the client.
            (seg.dst, seg.src, [TcpState::SynSent, TcpState::Listen])
        } else {
            let (c, s) = guess_client(seg.src, seg.dst);
            // Mid-stream: data was flowing.
            (c, s, [TcpState::Established, TcpState::Established])
        };
        Conn {
            id,
            client,
            server,
            halves: [Half::default(), Half::default()],
            states,
            syn_seen: false,
            synack_seen: false,
            handshake_done: false,
            refused: false,
            syn_time: None,
            handshake_rtt: None,
            closer: None,
            fin_pattern: None,
            teardown: Teardown::Open,
            closed_by: None,
            half_close: false,
            first: t,
            last: t,
            retransmissions: 0,
            ended_at: None,
            reported: false,
            keepalive_from: None,
        }
    }

    /// When the connection ended, if it did.
    pub(super) fn ended_at(&self) -> Option<Duration> {
        self.ended_at
    }

    /// Whether `seg` opens a new connection on this 4-tuple: a SYN without
    /// ACK after this connection ended, or one that is not a retransmission
    /// of this connection's SYN.
    pub(super) fn is_replaced_by(&self, seg: &Segment) -> bool {
        let f = Facts::of(seg);
        if !f.is_syn_only() {
            return false;
        }
        let same_syn = seg.src == self.client
            && seg.dst == self.server
            && self.halves[Side::Client.index()].isn == Some(f.seq);
        self.ended_at.is_some() || !same_syn
    }

    /// End a connection that a new SYN on the same 4-tuple replaces.
    pub(super) fn end_replaced(&mut self, t: Duration) {
        if self.ended_at.is_none() {
            self.ended_at = Some(t);
        }
    }

    /// The summary of the connection as it is now.
    pub(super) fn summary(&self) -> ConnSummary {
        let c = &self.halves[Side::Client.index()];
        let s = &self.halves[Side::Server.index()];
        ConnSummary {
            conn: self.id,
            client: self.client,
            server: self.server,
            handshake: self.handshake(),
            teardown: self.teardown,
            closed_by: self.closed_by,
            half_close: self.half_close,
            first: self.first,
            last: self.last,
            segments: c.segments + s.segments,
            segments_c2s: c.segments,
            segments_s2c: s.segments,
            bytes_c2s: c.bytes,
            bytes_s2c: s.bytes,
            handshake_rtt: self.handshake_rtt,
            retransmissions: self.retransmissions,
            syn_options: c.syn_options.clone(),
            synack_options: s.syn_options.clone(),
        }
    }

    fn handshake(&self) -> Handshake {
        if self.refused {
            Handshake::Refused
        } else if self.handshake_done && (self.syn_seen || self.synack_seen) {
            Handshake::Complete
        } else if self.syn_seen || self.synack_seen {
            Handshake::Incomplete
        } else {
            Handshake::NotSeen
        }
    }

    /// Classify one segment of this connection and update the states.
    pub(super) fn on_segment(&mut self, t: Duration, seg: &Segment) -> Annotation {
        let f = Facts::of(seg);
        let dir = if seg.src == self.client && seg.dst == self.server {
            Dir::C2S
        } else {
            Dir::S2C
        };
        let me = dir.sender();
        if t > self.last {
            self.last = t;
        }
        self.halves[me.index()].segments += 1;
        self.set_bases(me, &f);
        let rel_seq = f
            .seq
            .wrapping_sub(self.halves[me.index()].base.unwrap_or(0));
        let rel_ack = if f.ack {
            f.ack_no
                .wrapping_sub(self.halves[me.other().index()].base.unwrap_or(0))
        } else {
            0
        };

        let mut out = if f.rst {
            self.on_rst(t, me)
        } else {
            self.on_segment_not_rst(t, me, &f, &seg.options, rel_seq, rel_ack)
        };
        if !f.rst && f.window == 0 {
            out.labels.push(Label::ZeroWindow);
            out.note.push_str(&notes::zero_window(me));
        }

        Annotation {
            conn: Some(self.id),
            client: self.client,
            server: self.server,
            dir,
            step: out.step,
            rel_seq,
            rel_ack,
            labels: out.labels,
            note: out.note,
            client_state: self.states[Side::Client.index()],
            server_state: self.states[Side::Server.index()],
            handshake_step: out.handshake_step,
            teardown_step: out.teardown_step,
        }
    }

    /// Relative-number bases, as Wireshark sets them.
    fn set_bases(&mut self, me: Side, f: &Facts) {
        let half = &mut self.halves[me.index()];
        if f.syn && !f.rst {
            if half.isn.is_none() {
                half.isn = Some(f.seq);
                half.base = Some(f.seq);
            }
        } else if half.base.is_none() {
            // SYN missed: the first byte seen is numbered 1.
            half.base = Some(f.seq.wrapping_sub(1));
        }
        let peer = &mut self.halves[me.other().index()];
        if f.ack && peer.base.is_none() {
            // The ack is the next byte the peer will send: numbered 1 too.
            peer.base = Some(f.ack_no.wrapping_sub(1));
        }
    }

    fn on_rst(&mut self, t: Duration, me: Side) -> Outcome {
        self.states = [TcpState::Closed, TcpState::Closed];
        self.keepalive_from = None;
        let note = if self.ended_at.is_some() {
            // Keep the earlier classification: the connection had ended.
            notes::late_reset(me)
        } else {
            self.ended_at = Some(t);
            self.teardown = Teardown::Reset;
            self.closed_by = Some(self.closer.unwrap_or(me));
            if me == Side::Server && self.syn_seen && !self.synack_seen {
                self.refused = true;
                notes::refused(self.server.port())
            } else {
                notes::reset(me)
            }
        };
        Outcome {
            step: Step::Reset,
            labels: Vec::new(),
            note,
            handshake_step: None,
            teardown_step: None,
        }
    }

    fn on_segment_not_rst(
        &mut self,
        t: Duration,
        me: Side,
        f: &Facts,
        options: &TcpOptions,
        rel_seq: u32,
        rel_ack: u32,
    ) -> Outcome {
        let peer = me.other();
        let (mi, pi) = (me.index(), peer.index());
        if self.teardown == Teardown::Reset {
            // Already in flight when the RST left; no state machine runs any more.
            return Outcome {
                step: Step::Other,
                labels: Vec::new(),
                note: notes::after_reset(me),
                handshake_step: None,
                teardown_step: None,
            };
        }

        // 1. Against what this side already sent: probe or retransmission?
        let prev_next = self.halves[mi].next;
        let occupies = f.end != f.seq;
        let probe = !f.syn && !f.fin && f.len <= 1 && prev_next == Some(f.seq.wrapping_add(1));
        let retrans = !probe && occupies && prev_next.is_some_and(|n| seq::le(f.end, n));
        self.halves[mi].next = Some(match prev_next {
            Some(n) => seq::max(n, f.end),
            None => f.end,
        });
        if !retrans && !probe {
            self.halves[mi].bytes += u64::from(f.len);
        }
        if retrans {
            self.retransmissions += 1;
        }
        let peer_window_zero = self.halves[pi].last_window == Some(0);
        let keepalive = probe && !peer_window_zero;

        // 2. The ACK field: what it acknowledges, and the receiver's transitions.
        let peer_fin_acked_before = self.halves[pi].fin_acked;
        let ack = if f.ack && !f.syn {
            self.apply_ack(t, me, f.ack_no)
        } else {
            AckEffect::default()
        };

        // 3. The step.
        let mut out = Outcome {
            step: Step::Other,
            labels: Vec::new(),
            note: String::new(),
            handshake_step: None,
            teardown_step: None,
        };
        if f.syn && !f.ack {
            self.on_syn(t, f, options, retrans, &mut out);
        } else if f.syn {
            self.on_synack(me, f, options, retrans, rel_ack, &mut out);
        } else if retrans {
            out.step = Step::Retransmission;
            out.labels.push(Label::Retransmission);
            let what = if f.fin && f.len == 0 {
                out.teardown_step = Some(if self.closer == Some(me) { 1 } else { 3 });
                Resent::Fin { rel_seq }
            } else {
                Resent::Data {
                    rel_seq,
                    len: f.len,
                    fast: self.halves[pi].dup_acks >= 3,
                }
            };
            out.note = notes::retransmission(me, what);
        } else if f.fin {
            self.on_fin(me, f, rel_seq, rel_ack, peer_fin_acked_before, &mut out);
        } else if probe {
            out.step = Step::Other;
            if keepalive {
                out.labels.push(Label::KeepAlive);
                out.note = notes::keep_alive(me, f.len, rel_seq);
            } else {
                out.labels.push(Label::ZeroWindowProbe);
                out.note = notes::zero_window_probe(me, rel_seq);
            }
        } else if f.len > 0 {
            out.step = Step::Data;
            out.note = notes::data(me, f.len, rel_seq);
            if let Some(closer) = self.closer.filter(|&c| c == peer) {
                out.labels.push(Label::HalfClose);
                self.half_close = true;
                out.note = notes::half_close(closer, me, f.len, rel_seq);
            }
            if ack.syn && me == Side::Client {
                out.handshake_step = Some(3);
                out.note.push_str(notes::data_completes_handshake());
            } else if ack.fin {
                out.teardown_step = Some(if self.closer == Some(peer) { 2 } else { 4 });
                out.note
                    .push_str(&notes::data_acks_fin(peer, rel_ack, self.states[pi]));
            }
        } else if f.ack {
            self.on_pure_ack(me, f, &ack, rel_ack, &mut out);
        } else {
            out.note = notes::no_ack(me);
        }

        // 4. Remember this segment for the next duplicate-ACK check.
        let half = &mut self.halves[mi];
        if out.labels.iter().all(|l| !matches!(l, Label::DupAck(_))) {
            half.dup_acks = 0;
        }
        half.last_ack = f.ack.then_some(f.ack_no);
        half.last_window = Some(f.window);
        self.keepalive_from = keepalive.then_some(me);

        // 5. Both FINs sent and acknowledged: the teardown is complete.
        let [c, s] = &self.halves;
        if self.ended_at.is_none() && c.fin_acked && s.fin_acked {
            self.ended_at = Some(t);
            self.teardown = self.fin_pattern.unwrap_or(Teardown::FourWay);
        }
        out
    }

    /// Process the ACK field of a segment from `me` (not a SYN-ACK).
    fn apply_ack(&mut self, t: Duration, me: Side, ack_no: u32) -> AckEffect {
        let peer = me.other();
        let (mi, pi) = (me.index(), peer.index());
        let mut effect = AckEffect::default();
        let prev = self.halves[mi].max_ack;
        effect.acked = prev.map(|p| {
            if seq::gt(ack_no, p) {
                ack_no.wrapping_sub(p)
            } else {
                0
            }
        });
        self.halves[mi].max_ack = Some(prev.map_or(ack_no, |p| seq::max(p, ack_no)));

        // The peer's SYN: SYN-RECEIVED → ESTABLISHED (step 3 of the handshake).
        if self.states[pi] == TcpState::SynReceived {
            if let Some(isn) = self.halves[pi].isn {
                if seq::ge(ack_no, isn.wrapping_add(1)) {
                    self.states[pi] = self.states[pi].on_syn_acked();
                    effect.syn = true;
                    if me == Side::Client && !self.handshake_done {
                        self.handshake_done = true;
                        self.handshake_rtt = self.syn_time.map(|s| t.saturating_sub(s));
                    }
                }
            }
        }
        // The peer's FIN.
        let half = &mut self.halves[pi];
        if let Some(fin) = half.fin {
            if !half.fin_acked && seq::ge(ack_no, fin.wrapping_add(1)) {
                half.fin_acked = true;
                self.states[pi] = self.states[pi].on_fin_acked();
                effect.fin = true;
            }
        }
        effect
    }

    /// SYN without ACK: step 1 of the handshake, or its retransmission.
    fn on_syn(
        &mut self,
        t: Duration,
        f: &Facts,
        options: &TcpOptions,
        retrans: bool,
        out: &mut Outcome,
    ) {
        // Only the client sends a SYN without ACK here (see `is_replaced_by`).
        let (ci, si) = (Side::Client.index(), Side::Server.index());
        self.syn_seen = true;
        self.syn_time = Some(t);
        out.handshake_step = Some(1);
        if retrans {
            out.step = Step::Retransmission;
            out.labels.push(Label::Retransmission);
            out.note = notes::retransmission(Side::Client, Resent::Syn { isn: f.seq });
            return;
        }
        self.halves[ci].syn_options = Some(options.clone());
        self.states[ci] = TcpState::SynSent;
        self.states[si] = self.states[si].on_syn_received();
        out.step = Step::Handshake1;
        push_options(out, options);
        out.note = notes::syn(f.seq, options);
    }

    /// SYN-ACK: step 2 of the handshake, or its retransmission.
    fn on_synack(
        &mut self,
        me: Side,
        f: &Facts,
        options: &TcpOptions,
        retrans: bool,
        rel_ack: u32,
        out: &mut Outcome,
    ) {
        let peer = me.other();
        let (mi, pi) = (me.index(), peer.index());
        self.synack_seen = true;
        out.handshake_step = Some(2);
        if retrans {
            out.step = Step::Retransmission;
            out.labels.push(Label::Retransmission);
            out.note = notes::retransmission(me, Resent::SynAck);
            return;
        }
        self.halves[mi].max_ack = Some(f.ack_no);
        self.halves[mi].syn_options = Some(options.clone());
        // The client's ISN is ack − 1; it must match the SYN if one was seen.
        let client_isn = f.ack_no.wrapping_sub(1);
        let matches = self.halves[pi].isn.map_or(true, |isn| isn == client_isn);
        self.states[mi] = self.states[mi].on_synack_sent();
        if matches {
            self.states[pi] = self.states[pi].on_synack_received();
        }
        out.step = Step::Handshake2;
        push_options(out, options);
        out.note = notes::synack(
            f.seq,
            rel_ack,
            matches.then_some(client_isn),
            self.syn_seen,
            options,
        );
    }

    /// A FIN (not a retransmission): step 1 or 3 of the teardown.
    fn on_fin(
        &mut self,
        me: Side,
        f: &Facts,
        rel_seq: u32,
        rel_ack: u32,
        peer_fin_acked_before: bool,
        out: &mut Outcome,
    ) {
        let peer = me.other();
        let (mi, pi) = (me.index(), peer.index());
        let fin_seq = f.seq.wrapping_add(f.len);
        let fin_rel_seq = rel_seq.wrapping_add(f.len);
        match self.closer {
            None => {
                self.halves[mi].fin = Some(fin_seq);
                self.closer = Some(me);
                self.closed_by = Some(me);
                self.states[mi] = self.states[mi].on_fin_sent();
                self.states[pi] = self.states[pi].on_fin_received();
                out.step = Step::Teardown1;
                out.teardown_step = Some(1);
                out.note = notes::teardown_first_fin(me, fin_rel_seq, f.len, self.states);
            }
            Some(closer) if closer == peer && self.halves[mi].fin.is_none() => {
                self.halves[mi].fin = Some(fin_seq);
                if f.len > 0 {
                    out.labels.push(Label::HalfClose);
                    self.half_close = true;
                }
                let kind = if peer_fin_acked_before {
                    SecondFin::AfterAck
                } else if self.halves[pi].fin_acked {
                    SecondFin::Folded
                } else {
                    SecondFin::Simultaneous
                };
                self.fin_pattern = Some(match kind {
                    SecondFin::AfterAck => Teardown::FourWay,
                    SecondFin::Folded => Teardown::ThreeWay,
                    SecondFin::Simultaneous => Teardown::Simultaneous,
                });
                if kind == SecondFin::Simultaneous {
                    // This side sent its FIN before the peer's FIN reached
                    // it: FIN-WAIT-1, then the peer's FIN → CLOSING.
                    self.states[mi] = TcpState::Closing;
                } else {
                    self.states[mi] = self.states[mi].on_fin_sent();
                }
                self.states[pi] = self.states[pi].on_fin_received();
                out.step = Step::Teardown3;
                out.teardown_step = Some(3);
                out.note =
                    notes::teardown_second_fin(me, kind, fin_rel_seq, rel_ack, f.len, self.states);
            }
            Some(_) => {
                out.step = Step::Other;
                out.note = notes::odd_fin(me);
            }
        }
    }

    /// A pure ACK: handshake 3, teardown 2 or 4, or an ordinary ACK.
    fn on_pure_ack(
        &mut self,
        me: Side,
        f: &Facts,
        ack: &AckEffect,
        rel_ack: u32,
        out: &mut Outcome,
    ) {
        let peer = me.other();
        let (mi, pi) = (me.index(), peer.index());
        if ack.syn && me == Side::Client {
            out.step = Step::Handshake3;
            out.handshake_step = Some(3);
            let server_isn = self.halves[pi].isn.unwrap_or(f.ack_no.wrapping_sub(1));
            out.note = notes::handshake_ack(rel_ack, server_isn);
            return;
        }
        if ack.fin {
            let step = if self.closer == Some(peer) { 2 } else { 4 };
            out.step = if step == 2 {
                Step::Teardown2
            } else {
                Step::Teardown4
            };
            out.teardown_step = Some(step);
            out.note = notes::teardown_fin_ack(me, step, rel_ack, self.states);
            return;
        }
        out.step = Step::Ack;
        let half = &self.halves[mi];
        let same_ack = half.last_ack == Some(f.ack_no);
        let same_window = half.last_window == Some(f.window);
        let peer_has_unacked = self.halves[pi].next.is_some_and(|n| seq::gt(n, f.ack_no));
        if same_ack && self.keepalive_from == Some(peer) {
            out.labels.push(Label::KeepAliveAck);
            out.note = notes::keep_alive_ack(me, rel_ack);
        } else if same_ack && same_window && peer_has_unacked {
            let n = half.dup_acks + 1;
            self.halves[mi].dup_acks = n;
            out.labels.push(Label::DupAck(n));
            out.note = notes::dup_ack(me, n, rel_ack);
        } else if same_ack && !same_window {
            let old = half.last_window.unwrap_or(0);
            out.labels.push(Label::WindowUpdate);
            out.note = notes::window_update(
                me,
                self.window_bytes(me, f.window),
                self.window_bytes(me, old),
                rel_ack,
            );
        } else {
            out.note = notes::ack(me, ack.acked, rel_ack);
        }
    }

    /// The window in bytes: scaled when both SYNs carried a window scale.
    fn window_bytes(&self, me: Side, raw: u16) -> u64 {
        let mine = self.halves[me.index()]
            .syn_options
            .as_ref()
            .and_then(|o| o.wscale);
        let theirs = self.halves[me.other().index()]
            .syn_options
            .as_ref()
            .and_then(|o| o.wscale);
        match (mine, theirs) {
            (Some(shift), Some(_)) => u64::from(raw) << shift.min(MAX_WSCALE),
            _ => u64::from(raw),
        }
    }
}

/// Label a SYN or SYN-ACK with its options, if it has any.
fn push_options(out: &mut Outcome, options: &TcpOptions) {
    if *options != TcpOptions::default() {
        out.labels.push(Label::SynOptions(options.clone()));
    }
}

/// Without a SYN: the client is the side with the higher (ephemeral) port;
/// on a tie, the sender of the first segment seen.
pub(super) fn guess_client(src: SocketAddr, dst: SocketAddr) -> (SocketAddr, SocketAddr) {
    if dst.port() > src.port() {
        (dst, src)
    } else {
        (src, dst)
    }
}
