//! One TCP connection: what each side has sent, each side's state, and the
//! classification of every segment into a step of the connection's life.

use std::net::SocketAddr;
use std::time::Duration;

use crate::wire::{Segment, SeqNum, TcpFlags, TcpOptions};

use super::classify::{Dir, Handshake, Label, Side, Step, Teardown};
use super::grave::Grave;
use super::note::{AfterFinAck, Note, Resent, ResetCause, SecondFin, SynAckWhy, SynAcked, Why};
use super::state::TcpState;
use super::{Annotation, ConnSummary, Inferred, Revision, Until};

/// The largest window-scale shift RFC 7323 allows.
const MAX_WSCALE: u8 = 14;
/// Holes kept per direction: sequence ranges jumped over and not seen yet.
/// More than this (a capture missing many segments) and the oldest is
/// taken as seen: its bytes, if they come, count as a retransmission.
const MAX_GAPS: usize = 16;
/// Duplicate ACKs that trigger fast retransmit (RFC 5681 §3.2).
const FAST_RETRANSMIT_DUP_ACKS: u32 = 3;
/// Without TCP timestamps, bytes that fill a hole within this time (or the
/// handshake's round trip, if longer) are taken as reordered originals;
/// later, as a retransmission whose first copy the capture missed. Linux
/// waits at least 200 ms before it sends anything again by timer.
const REORDER_WINDOW: Duration = Duration::from_millis(3);

/// Sequence numbers jumped over: sent (a later segment says so) but not
/// seen yet on this capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Gap {
    from: SeqNum,
    to: SeqNum,
    /// When the later segment showed it.
    opened: Duration,
}

/// What one endpoint has sent: its half of the byte stream.
#[derive(Debug, Default)]
struct Half {
    /// Relative numbers are `seq - base` (Wireshark): the ISN, or one
    /// before the first sequence number seen when the SYN was missed.
    base: Option<SeqNum>,
    /// The sequence number of its SYN, if seen.
    isn: Option<SeqNum>,
    /// One past the highest sequence number sent (SND.NXT as far as seen).
    next: Option<SeqNum>,
    /// Ranges below `next` that were jumped over and not seen yet.
    gaps: Vec<Gap>,
    /// The newest TCP timestamp value (TSval) it has sent, if it uses them.
    max_tsval: Option<u32>,
    /// The sequence number of its FIN, once sent.
    fin: Option<SeqNum>,
    /// Whether the peer has acknowledged that FIN.
    fin_acked: bool,
    /// The highest acknowledgement number it has sent.
    max_ack: Option<SeqNum>,
    /// The ack and window of its previous segment (duplicate-ACK detection).
    last_ack: Option<SeqNum>,
    last_window: Option<u16>,
    /// Duplicate ACKs since its ack last moved forward.
    dup_acks: u32,
    /// Options of its SYN or SYN-ACK.
    syn_options: Option<TcpOptions>,
    segments: u64,
    /// New payload bytes (retransmissions and probes not counted).
    bytes: u64,
}

/// What a segment's sequence range brings, against what its sender sent
/// before on this capture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Novelty {
    /// Sequence numbers never seen before (SYN and FIN count one).
    new: u32,
    /// Sequence numbers seen before.
    old: u32,
    /// Some new numbers lie below the highest one seen: they fill a hole,
    /// which opened at this time (the oldest one, if several).
    early: Option<Duration>,
}

impl Half {
    /// Whether sequence number `s` was never seen from this side.
    fn unseen(&self, s: SeqNum) -> bool {
        match self.next {
            None => true,
            Some(n) => {
                s.is_at_or_after(n)
                    || self
                        .gaps
                        .iter()
                        .any(|g| s.is_at_or_after(g.from) && s.is_before(g.to))
            }
        }
    }

    /// Take note of the range `seq..end` this side sent, captured at `t`.
    fn record(&mut self, seq: SeqNum, end: SeqNum, t: Duration) -> Novelty {
        let len = end.offset_from(seq);
        let Some(n) = self.next else {
            self.next = Some(end);
            return Novelty {
                new: len,
                ..Novelty::default()
            };
        };
        let mut out = Novelty::default();
        if seq.is_after(n) {
            // Bytes n..seq were sent but not captured (yet): a hole.
            self.push_gap(Gap {
                from: n,
                to: seq,
                opened: t,
            });
        }
        if end.is_after(n) {
            out.new += end.offset_from(n.latest(seq));
            self.next = Some(end);
        }
        let below = if end.is_after(n) { n } else { end };
        if seq.is_before(below) {
            let (filled, opened) = self.fill(seq, below);
            out.old = below.offset_from(seq) - filled;
            out.new += filled;
            out.early = opened;
        }
        out
    }

    fn push_gap(&mut self, gap: Gap) {
        if self.gaps.len() == MAX_GAPS {
            self.gaps.remove(0);
        }
        self.gaps.push(gap);
    }

    /// Remove `from..to` from the holes: how many numbers that filled, and
    /// when the oldest hole it touched opened.
    fn fill(&mut self, from: SeqNum, to: SeqNum) -> (u32, Option<Duration>) {
        if self.gaps.is_empty() {
            return (0, None);
        }
        let mut filled = 0;
        let mut opened: Option<Duration> = None;
        let mut kept = Vec::with_capacity(self.gaps.len() + 1);
        for &g in &self.gaps {
            let lo = g.from.latest(from);
            let hi = if g.to.is_before(to) { g.to } else { to };
            if lo.is_before(hi) {
                filled += hi.offset_from(lo);
                opened = Some(opened.map_or(g.opened, |o| o.min(g.opened)));
                if g.from.is_before(lo) {
                    kept.push(Gap { to: lo, ..g });
                }
                if hi.is_before(g.to) {
                    kept.push(Gap { from: hi, ..g });
                }
            } else {
                kept.push(g);
            }
        }
        let over = kept.len().saturating_sub(MAX_GAPS);
        kept.drain(..over);
        self.gaps = kept;
        (filled, opened)
    }

    /// Whether bytes that fill a hole opened at `opened` were sent before
    /// the later bytes that showed the hole (a reordered original) rather
    /// than sent again (a retransmission whose first copy was not captured).
    /// A TCP timestamp says it for sure: an original carries a TSval no
    /// newer than theirs. Without one, only the time can tell.
    fn sent_before_later(
        &self,
        tsval: Option<u32>,
        t: Duration,
        opened: Duration,
        window: Duration,
    ) -> bool {
        match (tsval, self.max_tsval) {
            (Some(v), Some(m)) => !SeqNum(v).is_after(SeqNum(m)),
            _ => t.saturating_sub(opened) <= window,
        }
    }
}

/// The facts of one segment the tracker works with.
struct Facts {
    syn: bool,
    ack: bool,
    fin: bool,
    rst: bool,
    seq: SeqNum,
    ack_no: SeqNum,
    len: u32,
    /// One past the last sequence number it occupies (SYN and FIN count one).
    end: SeqNum,
    window: u16,
}

impl Facts {
    fn of(seg: &Segment) -> Facts {
        Facts {
            syn: seg.flags.has(TcpFlags::SYN),
            ack: seg.flags.has(TcpFlags::ACK),
            fin: seg.flags.has(TcpFlags::FIN),
            rst: seg.flags.has(TcpFlags::RST),
            seq: seg.seq,
            ack_no: seg.ack,
            len: seg.payload_len,
            end: seg.seq_end(),
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
    note: Note,
    extra: Vec<Note>,
    handshake_step: Option<u8>,
    teardown_step: Option<u8>,
    inferred: Option<Inferred>,
    revisions: Vec<Revision>,
}

impl Outcome {
    fn new(step: Step, note: Note) -> Outcome {
        Outcome {
            step,
            labels: Vec::new(),
            note,
            extra: Vec::new(),
            handshake_step: None,
            teardown_step: None,
            inferred: None,
            revisions: Vec::new(),
        }
    }
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
    /// A SYN came again after a SYN-ACK was seen: the next SYN-ACK answers it.
    syn_repeated: bool,
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
    pub(super) last: Duration,
    retransmissions: u64,
    dup_acks: u64,
    out_of_order: u64,
    /// Packet time at which the connection ended (teardown done, RST).
    ended_at: Option<Duration>,
    /// The previous segment was a keep-alive probe from this side.
    keepalive_from: Option<Side>,
    /// close() was entered on this side (a socket call event).
    close_called: [bool; 2],
    /// A close() moved this side's state; the next segment says so.
    close_untold: Option<Side>,
    /// The window-scale shift already explained (on the first scaled
    /// window; again only for a side that scales differently).
    scale_told: Option<u8>,
    /// The latest state shown as inferred, until its side's answer comes.
    inferred: Option<Inferred>,
    /// Stamp in the tracker's half-open queue while the handshake is unfinished.
    pub(super) half_open_stamp: Option<u64>,
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
            syn_repeated: false,
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
            dup_acks: 0,
            out_of_order: 0,
            ended_at: None,
            keepalive_from: None,
            close_called: [false; 2],
            close_untold: None,
            scale_told: None,
            inferred: None,
            half_open_stamp: None,
        }
    }

    /// When the connection ended, if it did.
    pub(super) fn ended_at(&self) -> Option<Duration> {
        self.ended_at
    }

    /// When its first segment was captured.
    pub(super) fn first(&self) -> Duration {
        self.first
    }

    /// A handshake that has not finished and nothing else happened yet: what
    /// a SYN flood leaves behind. Such entries may be aged out.
    pub(super) fn is_half_open(&self) -> bool {
        (self.syn_seen || self.synack_seen)
            && !self.handshake_done
            && !self.refused
            && self.ended_at.is_none()
            && self.closer.is_none()
            && self.halves.iter().all(|h| h.bytes == 0)
    }

    /// Whether `seg` opens a new connection on this 4-tuple: a SYN without
    /// ACK that is not a retransmission of this connection's SYN.
    pub(super) fn is_replaced_by(&self, seg: &Segment) -> bool {
        let f = Facts::of(seg);
        f.is_syn_only()
            && !(seg.src == self.client
                && seg.dst == self.server
                && self.halves[Side::Client.index()].isn == Some(f.seq))
    }

    /// End a connection that a new SYN on the same 4-tuple replaces, or that
    /// is aged out of the table.
    pub(super) fn end_now(&mut self, t: Duration) {
        if self.ended_at.is_none() {
            self.ended_at = Some(t);
        }
    }

    /// The side `addr` is, if it is one of this connection's ends.
    pub(super) fn side_of(&self, addr: SocketAddr) -> Option<Side> {
        if addr == self.client {
            Some(Side::Client)
        } else if addr == self.server {
            Some(Side::Server)
        } else {
            None
        }
    }

    /// A socket call event: `side` entered close(). The kernel changes state
    /// at once (FIN-WAIT-1, or LAST-ACK after the peer's FIN) even while its
    /// FIN waits behind queued data, which the wire cannot show.
    pub(super) fn close_entered(&mut self, side: Side) {
        let i = side.index();
        if self.close_called[i] {
            return;
        }
        self.close_called[i] = true;
        let before = self.states[i];
        if matches!(
            before,
            TcpState::Established | TcpState::SynReceived | TcpState::CloseWait
        ) {
            self.states[i] = before.on_fin_sent();
            self.close_untold = Some(side);
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
            dup_acks: self.dup_acks,
            out_of_order: self.out_of_order,
            syn_options: c.syn_options.clone(),
            synack_options: s.syn_options.clone(),
        }
    }

    /// What is kept of the connection once it ended: enough to number and
    /// explain its late segments (TIME-WAIT) in a few dozen bytes.
    pub(super) fn grave(&self, until: Duration) -> Grave {
        let [c, s] = &self.halves;
        Grave {
            id: self.id,
            client: self.client,
            server: self.server,
            base: [c.base, s.base],
            fin: [c.fin, s.fin],
            fin_lost: [false; 2],
            client_isn: c.isn,
            states: self.states,
            reset: self.teardown == Teardown::Reset,
            closer: self.closer,
            until,
            stamp: 0,
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
            .offset_from(self.halves[me.index()].base.unwrap_or_default());
        let rel_ack = if f.ack {
            f.ack_no
                .offset_from(self.halves[me.other().index()].base.unwrap_or_default())
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
            out.extra.push(Note::ZeroWindow { from: me });
        }
        // Does this segment answer what an earlier line had to infer?
        let settles = self.inferred.is_some_and(|i| {
            i.side == me
                && (f.rst
                    || match i.until {
                        Until::SynAnswered => f.syn && f.ack,
                        Until::FinAcked => f.fin || self.halves[me.other().index()].fin_acked,
                    })
        });
        if settles {
            self.inferred = None;
        }
        if out.inferred.is_some() {
            self.inferred = out.inferred;
        }
        // The first window after a handshake that agreed on window scaling
        // is a small number (`win 64` after the SYN's `win 65495`): say why.
        if !f.syn && !f.rst {
            if let Some(shift) = self.scale_shift(me) {
                if self.scale_told != Some(shift) {
                    self.scale_told = Some(shift);
                    out.extra.push(Note::WindowScaled {
                        from: me,
                        raw: f.window,
                        shift,
                        bytes: self.window_bytes(me, f.window),
                    });
                }
            }
        }
        if let Some(side) = self.close_untold.take() {
            // Said on the segment that first shows the new state, unless it
            // is that side's own FIN or RST (close() with SO_LINGER 0 or
            // unread data sends RST), which say it anyway.
            let own_end = side == me && (f.fin || f.rst);
            if !own_end {
                out.extra.push(Note::CloseCalled {
                    side,
                    queued: side == me && f.len > 0,
                });
            }
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
            extra: out.extra,
            client_state: self.states[Side::Client.index()],
            server_state: self.states[Side::Server.index()],
            handshake_step: out.handshake_step,
            teardown_step: out.teardown_step,
            inferred: out.inferred,
            settles,
            revisions: out.revisions,
            kernel: None,
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
        let before = self.states;
        self.states = [TcpState::Closed, TcpState::Closed];
        self.keepalive_from = None;
        self.ended_at = Some(t);
        self.teardown = Teardown::Reset;
        self.closed_by = Some(self.closer.unwrap_or(me));
        if me == Side::Server && self.syn_seen && !self.synack_seen {
            // Nothing listened: there never was a server socket, so the
            // SYN-RECEIVED shown after the SYN did not happen either.
            self.refused = true;
            let si = Side::Server.index();
            self.states[si] = TcpState::NoSocket;
            let mut out = Outcome::new(
                Step::Reset,
                Note::Refused {
                    port: self.server.port(),
                },
            );
            if before[si] != TcpState::NoSocket {
                out.revisions.push(Revision {
                    side: Side::Server,
                    shown: before[si],
                    really: TcpState::NoSocket,
                });
            }
            return out;
        }
        let cause = if self.halves[me.index()].fin.is_some() {
            ResetCause::DataAfterClose
        } else {
            ResetCause::Abort
        };
        Outcome::new(Step::Reset, Note::Reset { from: me, cause })
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

        // 1. Against what this side already sent: new, probe, sent again,
        //    or bytes that arrive after later ones?
        let prev_next = self.halves[mi].next;
        // A keep-alive (or zero-window) probe sits at SND.UNA − 1 with
        // nothing outstanding: everything this side sent is acknowledged.
        // A 1-byte segment at SND.NXT − 1 whose byte is not yet
        // acknowledged is that byte sent again.
        let probe = !f.syn
            && !f.fin
            && f.len <= 1
            && prev_next == Some(f.seq.wrapping_add(1))
            && self.halves[pi].max_ack == prev_next;
        let syn_new = f.syn && self.halves[mi].unseen(f.seq);
        let fin_new = f.fin && self.halves[mi].unseen(f.end.wrapping_sub(1));
        let novelty = self.halves[mi].record(f.seq, f.end, t);
        let occupies = f.end != f.seq;
        let tsval = options.timestamps.map(|(val, _)| val);
        let window = REORDER_WINDOW.max(self.handshake_rtt.unwrap_or_default());
        let filled_hole = match novelty.early {
            Some(opened) if !probe && novelty.old == 0 => {
                Some(self.halves[mi].sent_before_later(tsval, t, opened, window))
            }
            _ => None,
        };
        let out_of_order = filled_hole == Some(true);
        let first_copy_missed = filled_hole == Some(false);
        let retrans = !probe && occupies && (novelty.new == 0 || first_copy_missed);
        if let Some(v) = tsval {
            let half = &mut self.halves[mi];
            half.max_tsval = Some(half.max_tsval.map_or(v, |m| SeqNum(m).latest(SeqNum(v)).0));
        }
        if !probe {
            let flags_new = u32::from(syn_new) + u32::from(fin_new);
            let new_bytes = novelty.new.saturating_sub(flags_new).min(f.len);
            self.halves[mi].bytes += u64::from(new_bytes);
        }
        if retrans {
            self.retransmissions += 1;
        }
        if out_of_order {
            self.out_of_order += 1;
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
        let mut out = if f.syn && !f.ack {
            self.on_syn(t, f, options, retrans)
        } else if f.syn {
            self.on_synack(me, f, options, retrans, rel_ack)
        } else if retrans {
            self.on_resent(me, f, rel_seq, first_copy_missed)
        } else if f.fin {
            self.on_fin(me, f, rel_seq, rel_ack, peer_fin_acked_before)
        } else if probe {
            if keepalive {
                let mut out = Outcome::new(
                    Step::Other,
                    Note::KeepAlive {
                        from: me,
                        len: f.len,
                        rel_seq,
                    },
                );
                out.labels.push(Label::KeepAlive);
                out
            } else {
                let mut out =
                    Outcome::new(Step::Other, Note::ZeroWindowProbe { from: me, rel_seq });
                out.labels.push(Label::ZeroWindowProbe);
                out
            }
        } else if f.len > 0 {
            self.on_data(me, f, &ack, rel_seq, rel_ack, out_of_order)
        } else if f.ack {
            self.on_pure_ack(me, f, &ack, rel_ack)
        } else {
            Outcome::new(Step::Other, Note::NoAck { from: me })
        };
        if out_of_order && !out.labels.contains(&Label::OutOfOrder) {
            out.labels.push(Label::OutOfOrder);
        }

        // 4. Remember this segment for the next duplicate-ACK check. RFC
        //    5681 counts duplicates "without any intervening ACKs which move
        //    SND.UNA": only an ack that moves forward starts the count again
        //    (a window update does not).
        let half = &mut self.halves[mi];
        if ack.acked.is_some_and(|n| n > 0) {
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
    fn apply_ack(&mut self, t: Duration, me: Side, ack_no: SeqNum) -> AckEffect {
        let peer = me.other();
        let (mi, pi) = (me.index(), peer.index());
        let mut effect = AckEffect::default();
        let prev = self.halves[mi].max_ack;
        effect.acked = prev.map(|p| {
            if ack_no.is_after(p) {
                ack_no.offset_from(p)
            } else {
                0
            }
        });
        self.halves[mi].max_ack = Some(prev.map_or(ack_no, |p| p.latest(ack_no)));

        // The peer's SYN: SYN-RECEIVED → ESTABLISHED (step 3 of the handshake).
        if self.states[pi] == TcpState::SynReceived {
            if let Some(isn) = self.halves[pi].isn {
                if ack_no.is_at_or_after(isn.wrapping_add(1)) {
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
            if !half.fin_acked && ack_no.is_at_or_after(fin.wrapping_add(1)) {
                half.fin_acked = true;
                self.states[pi] = self.states[pi].on_fin_acked();
                effect.fin = true;
            }
        }
        effect
    }

    /// SYN without ACK: step 1 of the handshake, or its retransmission.
    fn on_syn(&mut self, t: Duration, f: &Facts, options: &TcpOptions, retrans: bool) -> Outcome {
        // Only the client sends a SYN without ACK here (see `is_replaced_by`).
        let (ci, si) = (Side::Client.index(), Side::Server.index());
        self.syn_seen = true;
        self.syn_time = Some(t);
        if retrans {
            // A SYN-ACK was captured and the client still sends its SYN: that
            // SYN-ACK did not reach it (lost after the capture point), so
            // the client was never ESTABLISHED.
            let answer_seen = self.synack_seen
                && !self.handshake_done
                && self.states[ci] == TcpState::Established;
            let mut out = Outcome::new(
                Step::Retransmission,
                Note::Retransmission {
                    from: Side::Client,
                    what: Resent::Syn {
                        isn: f.seq.0,
                        answer_seen,
                    },
                },
            );
            if answer_seen {
                self.states[ci] = TcpState::SynSent;
                self.syn_repeated = true;
                out.revisions.push(Revision {
                    side: Side::Client,
                    shown: TcpState::Established,
                    really: TcpState::SynSent,
                });
            }
            out.handshake_step = Some(1);
            out.labels.push(Label::Retransmission);
            return out;
        }
        self.halves[ci].syn_options = Some(options.clone());
        self.states[ci] = TcpState::SynSent;
        self.states[si] = self.states[si].on_syn_received();
        let mut out = Outcome::new(
            Step::Handshake1,
            Note::Syn {
                isn: f.seq.0,
                options: options.clone(),
            },
        );
        out.handshake_step = Some(1);
        push_options(&mut out, options);
        // Only the server's answer tells whether anything listens.
        out.inferred = Some(Inferred {
            side: Side::Server,
            state: self.states[si],
            until: Until::SynAnswered,
        });
        out
    }

    /// SYN-ACK: step 2 of the handshake, or its retransmission.
    fn on_synack(
        &mut self,
        me: Side,
        f: &Facts,
        options: &TcpOptions,
        retrans: bool,
        rel_ack: u32,
    ) -> Outcome {
        let peer = me.other();
        let (mi, pi) = (me.index(), peer.index());
        self.synack_seen = true;
        // The client's ISN is ack − 1; it must match the SYN if one was seen.
        let client_isn = f.ack_no.wrapping_sub(1);
        let matches = self.halves[pi].isn.map_or(true, |isn| isn == client_isn);
        if retrans {
            let mut revisions = Vec::new();
            let why = if std::mem::take(&mut self.syn_repeated) {
                SynAckWhy::SynAgain
            } else if self.states[mi] == TcpState::Established {
                // The client's ACK of it was captured, yet the server still
                // sends it: that ACK had not reached the server, which was
                // still SYN-RECEIVED.
                self.states[mi] = TcpState::SynReceived;
                revisions.push(Revision {
                    side: me,
                    shown: TcpState::Established,
                    really: TcpState::SynReceived,
                });
                SynAckWhy::AckNotReceived
            } else {
                SynAckWhy::NoAck
            };
            if matches {
                // This copy may be the one that reaches the client.
                self.states[pi] = self.states[pi].on_synack_received();
            }
            let mut out = Outcome::new(
                Step::Retransmission,
                Note::Retransmission {
                    from: me,
                    what: Resent::SynAck { why },
                },
            );
            out.handshake_step = Some(2);
            out.labels.push(Label::Retransmission);
            out.revisions = revisions;
            return out;
        }
        self.halves[mi].max_ack = Some(f.ack_no);
        self.halves[mi].syn_options = Some(options.clone());
        self.states[mi] = self.states[mi].on_synack_sent();
        if matches {
            self.states[pi] = self.states[pi].on_synack_received();
        }
        let client = if matches {
            SynAcked::Isn {
                client_isn: client_isn.0,
                syn_seen: self.syn_seen,
            }
        } else {
            SynAcked::Mismatch
        };
        let mut out = Outcome::new(
            Step::Handshake2,
            Note::SynAck {
                isn: f.seq.0,
                rel_ack,
                client,
                options: options.clone(),
            },
        );
        out.handshake_step = Some(2);
        push_options(&mut out, options);
        out
    }

    /// Data or a FIN whose sequence range was all sent before.
    fn on_resent(&mut self, me: Side, f: &Facts, rel_seq: u32, first_copy_missed: bool) -> Outcome {
        let (mi, pi) = (me.index(), me.other().index());
        let mut revisions = Vec::new();
        let mut teardown_step = None;
        let what = if f.fin && f.len == 0 {
            teardown_step = Some(if self.closer == Some(me) { 1 } else { 3 });
            // Its ACK was captured, yet the FIN comes again: that ACK did
            // not reach this side, which is still waiting for it.
            let ack_seen = self.halves[mi].fin_acked;
            if ack_seen {
                self.halves[mi].fin_acked = false;
                revisions.extend(fin_ack_lost(&mut self.states, me));
            }
            Resent::Fin { rel_seq, ack_seen }
        } else {
            let ack_seen = self.halves[pi]
                .max_ack
                .is_some_and(|a| a.is_at_or_after(f.end));
            let why = if first_copy_missed {
                Why::FirstCopyNotSeen
            } else if ack_seen {
                Why::AckNotReceived
            } else if self.halves[pi].dup_acks >= FAST_RETRANSMIT_DUP_ACKS {
                Why::Fast
            } else {
                Why::Timeout
            };
            Resent::Data {
                rel_seq,
                len: f.len,
                why,
            }
        };
        let mut out = Outcome::new(
            Step::Retransmission,
            Note::Retransmission { from: me, what },
        );
        out.labels.push(Label::Retransmission);
        out.teardown_step = teardown_step;
        out.revisions = revisions;
        out
    }

    /// New payload bytes (not a FIN).
    fn on_data(
        &mut self,
        me: Side,
        f: &Facts,
        ack: &AckEffect,
        rel_seq: u32,
        rel_ack: u32,
        out_of_order: bool,
    ) -> Outcome {
        let peer = me.other();
        let note = if out_of_order {
            Note::OutOfOrder {
                from: me,
                len: f.len,
                rel_seq,
            }
        } else {
            Note::Data {
                from: me,
                len: f.len,
                rel_seq,
            }
        };
        let mut out = Outcome::new(Step::Data, note);
        if let Some(closer) = self.closer.filter(|&c| c == peer) {
            out.labels.push(Label::HalfClose);
            self.half_close = true;
            if !out_of_order {
                out.note = Note::HalfClose {
                    closer,
                    from: me,
                    len: f.len,
                    rel_seq,
                };
            }
        }
        if ack.syn && me == Side::Client {
            out.handshake_step = Some(3);
            out.extra.push(Note::CompletesHandshake);
        } else if ack.fin {
            out.teardown_step = Some(if self.closer == Some(peer) { 2 } else { 4 });
            out.extra.push(Note::AcksFin { of: peer, rel_ack });
        }
        out
    }

    /// A FIN (not a retransmission): step 1 or 3 of the teardown.
    fn on_fin(
        &mut self,
        me: Side,
        f: &Facts,
        rel_seq: u32,
        rel_ack: u32,
        peer_fin_acked_before: bool,
    ) -> Outcome {
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
                let mut out = Outcome::new(
                    Step::Teardown1,
                    Note::FirstFin {
                        from: me,
                        fin_rel_seq,
                        len: f.len,
                    },
                );
                out.teardown_step = Some(1);
                if self.states[pi] == TcpState::CloseWait {
                    // Unless the peer's own FIN is already on its way (then
                    // it is FIN-WAIT-1 and goes to CLOSING): its next
                    // segment tells.
                    out.inferred = Some(Inferred {
                        side: peer,
                        state: TcpState::CloseWait,
                        until: Until::FinAcked,
                    });
                }
                out
            }
            Some(closer) if closer == peer && self.halves[mi].fin.is_none() => {
                self.halves[mi].fin = Some(fin_seq);
                let mut labels = Vec::new();
                if f.len > 0 {
                    labels.push(Label::HalfClose);
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
                let mut revisions = Vec::new();
                let mut extra = Vec::new();
                if kind == SecondFin::Simultaneous {
                    // This FIN left before the peer's FIN reached this side:
                    // it was FIN-WAIT-1, never CLOSE-WAIT, and the peer's
                    // FIN takes it to CLOSING.
                    if self.states[mi] == TcpState::CloseWait {
                        revisions.push(Revision {
                            side: me,
                            shown: TcpState::CloseWait,
                            really: TcpState::FinWait1,
                        });
                        extra.push(Note::FinsCrossed { side: me });
                    }
                    self.states[mi] = TcpState::Closing;
                } else {
                    self.states[mi] = self.states[mi].on_fin_sent();
                }
                self.states[pi] = self.states[pi].on_fin_received();
                let mut out = Outcome::new(
                    Step::Teardown3,
                    Note::SecondFin {
                        from: me,
                        kind,
                        fin_rel_seq,
                        rel_ack,
                        len: f.len,
                    },
                );
                out.labels = labels;
                out.extra = extra;
                out.revisions = revisions;
                out.teardown_step = Some(3);
                out
            }
            Some(_) => Outcome::new(Step::Other, Note::OddFin { from: me }),
        }
    }

    /// A pure ACK: handshake 3, teardown 2 or 4, or an ordinary ACK.
    fn on_pure_ack(&mut self, me: Side, f: &Facts, ack: &AckEffect, rel_ack: u32) -> Outcome {
        let peer = me.other();
        let (mi, pi) = (me.index(), peer.index());
        if ack.syn && me == Side::Client {
            let server_isn = self.halves[pi].isn.unwrap_or(f.ack_no.wrapping_sub(1));
            let mut out = Outcome::new(
                Step::Handshake3,
                Note::HandshakeAck {
                    rel_ack,
                    server_isn: server_isn.0,
                },
            );
            out.handshake_step = Some(3);
            return out;
        }
        if ack.fin {
            let (step, note, n) = fin_acked(self.states, self.closer, me, rel_ack);
            let mut out = Outcome::new(step, note);
            out.teardown_step = Some(n);
            return out;
        }
        let half = &self.halves[mi];
        let same_ack = half.last_ack == Some(f.ack_no);
        let same_window = half.last_window == Some(f.window);
        let peer_has_unacked = self.halves[pi].next.is_some_and(|n| n.is_after(f.ack_no));
        let mut out = Outcome::new(
            Step::Ack,
            Note::Ack {
                from: me,
                acked: ack.acked,
                rel_ack,
            },
        );
        if same_ack && self.keepalive_from == Some(peer) {
            out.labels.push(Label::KeepAliveAck);
            out.note = Note::KeepAliveAck { from: me, rel_ack };
        } else if same_ack && same_window && peer_has_unacked {
            let n = half.dup_acks + 1;
            self.halves[mi].dup_acks = n;
            self.dup_acks += 1;
            out.labels.push(Label::DupAck(n));
            out.note = Note::DupAck {
                from: me,
                n,
                rel_ack,
            };
        } else if same_ack && !same_window {
            let old = half.last_window.unwrap_or(0);
            out.labels.push(Label::WindowUpdate);
            out.note = Note::WindowUpdate {
                from: me,
                window: self.window_bytes(me, f.window),
                old: self.window_bytes(me, old),
                rel_ack,
            };
        }
        out
    }

    /// The shift `me`'s windows are scaled by: when both SYNs carried a
    /// window scale, the one `me` announced.
    fn scale_shift(&self, me: Side) -> Option<u8> {
        let mine = self.halves[me.index()]
            .syn_options
            .as_ref()
            .and_then(|o| o.wscale)?;
        self.halves[me.other().index()]
            .syn_options
            .as_ref()
            .and_then(|o| o.wscale)?;
        Some(mine.min(MAX_WSCALE))
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

/// `side` sends its FIN again after the ACK of it was captured: that ACK
/// did not reach it, so undo what it did, and say which state shown since
/// did not happen.
pub(super) fn fin_ack_lost(states: &mut [TcpState; 2], side: Side) -> Option<Revision> {
    let i = side.index();
    let shown = states[i];
    states[i] = shown.on_fin_ack_lost();
    (states[i] != shown).then_some(Revision {
        side,
        shown,
        really: states[i],
    })
}

/// An ACK from `me` that covers the other side's FIN: teardown step 2 (of
/// the first FIN) or 4 (of the second), its note, and the step's number.
pub(super) fn fin_acked(
    states: [TcpState; 2],
    closer: Option<Side>,
    me: Side,
    rel_ack: u32,
) -> (Step, Note, u8) {
    let (step, n) = if closer == Some(me.other()) {
        (Step::Teardown2, 2)
    } else {
        (Step::Teardown4, 4)
    };
    let note = Note::FinAcked {
        from: me,
        step: n,
        rel_ack,
        then: after_fin_ack(states, me),
    };
    (step, note, n)
}

/// What the ACK of a FIN sent by `me` leads to (states after it).
fn after_fin_ack(states: [TcpState; 2], me: Side) -> AfterFinAck {
    let peer_state = states[me.other().index()];
    let mine = states[me.index()];
    match peer_state {
        TcpState::FinWait2 => AfterFinAck::PeerWaitsForFin,
        TcpState::Closed if mine == TcpState::TimeWait => AfterFinAck::PeerDoneSenderWaits,
        TcpState::Closed => AfterFinAck::PeerDone,
        TcpState::TimeWait if mine == TcpState::TimeWait => AfterFinAck::BothWait,
        TcpState::TimeWait => AfterFinAck::PeerWaits,
        state => AfterFinAck::Other { state },
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

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u32) -> SeqNum {
        SeqNum(n)
    }

    #[test]
    fn a_hole_is_filled_by_the_late_original() {
        let mut h = Half::default();
        let t = Duration::from_millis;
        assert_eq!(h.record(s(1), s(101), t(1)).new, 100);
        // 101..201 skipped: 201..301 arrives first.
        let later = h.record(s(201), s(301), t(2));
        assert_eq!((later.new, later.old, later.early), (100, 0, None));
        assert!(h.unseen(s(150)) && !h.unseen(s(250)));
        let late = h.record(s(101), s(201), t(3));
        assert_eq!((late.new, late.old, late.early), (100, 0, Some(t(2))));
        // Sent again now: nothing new.
        let again = h.record(s(101), s(201), t(4));
        assert_eq!((again.new, again.old), (0, 100));
        assert!(h.gaps.is_empty());
    }

    #[test]
    fn a_partly_filled_hole_keeps_the_rest_and_wraps() {
        let mut h = Half::default();
        let start = u32::MAX - 50;
        let t = Duration::ZERO;
        h.record(s(start), s(start.wrapping_add(10)), t);
        h.record(s(start.wrapping_add(100)), s(start.wrapping_add(110)), t);
        let part = h.record(s(start.wrapping_add(20)), s(start.wrapping_add(30)), t);
        assert_eq!((part.new, part.old, part.early), (10, 0, Some(t)));
        assert_eq!(h.gaps.len(), 2, "{:?}", h.gaps);
        // Overlapping old and new: only the new part counts.
        let mixed = h.record(s(start.wrapping_add(25)), s(start.wrapping_add(40)), t);
        assert_eq!((mixed.new, mixed.old), (10, 5));
    }

    #[test]
    fn the_number_of_holes_is_bounded() {
        let mut h = Half::default();
        h.record(s(0), s(1), Duration::ZERO);
        for i in 1..100u32 {
            h.record(s(i * 10), s(i * 10 + 1), Duration::ZERO);
        }
        assert_eq!(h.gaps.len(), MAX_GAPS);
    }
}
