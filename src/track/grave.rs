//! What is kept of a connection after it ended: a tombstone.
//!
//! The side that closed first stays in TIME-WAIT for 2×MSL (60 s on Linux)
//! because the last ACK may be lost: the other side then sends its FIN
//! again, seconds later, and that FIN belongs to the old connection, not to
//! a new one. A tombstone keeps just enough to number such late segments
//! like the rest of their connection and to explain them, in a few dozen
//! bytes instead of a whole connection's state.

use std::net::SocketAddr;
use std::time::Duration;

use crate::wire::{Segment, SeqNum, TcpFlags};

use super::classify::{Dir, Label, Side, Step};
use super::conn::{fin_ack_lost, fin_acked};
use super::note::{Note, Resent};
use super::state::TcpState;
use super::Annotation;

/// An ended connection, kept for its late segments.
#[derive(Debug)]
pub(super) struct Grave {
    pub(super) id: u64,
    pub(super) client: SocketAddr,
    pub(super) server: SocketAddr,
    /// Relative-number bases of each side, as the connection had them.
    pub(super) base: [Option<SeqNum>; 2],
    /// Each side's FIN, if it sent one.
    pub(super) fin: [Option<SeqNum>; 2],
    /// A side sent its FIN again: its ACK was lost, the next one counts.
    pub(super) fin_lost: [bool; 2],
    /// The client's ISN: the same SYN again is late, another one is new.
    pub(super) client_isn: Option<SeqNum>,
    pub(super) states: [TcpState; 2],
    /// Ended by RST (a refused connection too).
    pub(super) reset: bool,
    /// The side whose FIN came first.
    pub(super) closer: Option<Side>,
    /// Packet time until which it is kept.
    pub(super) until: Duration,
    /// Stamp in the tracker's tombstone queue.
    pub(super) stamp: u64,
}

impl Grave {
    /// Whether `seg` opens a new connection on this 4-tuple: a SYN without
    /// ACK, other than this connection's own SYN again.
    pub(super) fn is_replaced_by(&self, seg: &Segment) -> bool {
        let f = seg.flags;
        let syn_only = f.has(TcpFlags::SYN) && !f.has(TcpFlags::ACK) && !f.has(TcpFlags::RST);
        let own_syn = seg.src == self.client && self.client_isn == Some(seg.seq);
        syn_only && !own_syn
    }

    /// Annotate a late segment; `true` with it when it restarts TIME-WAIT
    /// (a FIN sent again, as RFC 9293 §3.10.7.4 says for TIME-WAIT).
    pub(super) fn on_segment(&mut self, seg: &Segment) -> (Annotation, bool) {
        let dir = if seg.src == self.client {
            Dir::C2S
        } else {
            Dir::S2C
        };
        let me = dir.sender();
        let (mi, pi) = (me.index(), me.other().index());
        let rel_seq = seg.seq.offset_from(self.base[mi].unwrap_or_default());
        let ack = seg.flags.has(TcpFlags::ACK);
        let rel_ack = if ack {
            seg.ack.offset_from(self.base[pi].unwrap_or_default())
        } else {
            0
        };
        let mut labels = Vec::new();
        let mut teardown_step = None;
        let mut revisions = Vec::new();
        let mut restart = false;
        let fin = seg.flags.has(TcpFlags::FIN);
        let pure_ack = ack && !fin && !seg.flags.has(TcpFlags::SYN) && seg.payload_len == 0;
        let (step, note) = if seg.flags.has(TcpFlags::RST) {
            for s in &mut self.states {
                if *s != TcpState::NoSocket {
                    *s = TcpState::Closed;
                }
            }
            (Step::Reset, Note::LateReset { from: me })
        } else if self.reset {
            (Step::Other, Note::AfterReset { from: me })
        } else if fin && self.fin[mi] == Some(seg.seq_end().wrapping_sub(1)) {
            // Its FIN again, after the ACK of it was captured: that ACK (the
            // last ACK, or the ACK of step 2) did not reach this side.
            labels.push(Label::Retransmission);
            teardown_step = Some(if self.closer == Some(me) { 1 } else { 3 });
            revisions.extend(fin_ack_lost(&mut self.states, me));
            self.fin_lost[mi] = true;
            restart = true;
            (
                Step::Retransmission,
                Note::Retransmission {
                    from: me,
                    what: Resent::Fin {
                        rel_seq,
                        ack_seen: true,
                    },
                },
            )
        } else if pure_ack
            && self.fin_lost[pi]
            && self.fin[pi].is_some_and(|f| seg.ack == f.wrapping_add(1))
        {
            // The answer to that FIN: the ACK again, from TIME-WAIT.
            self.fin_lost[pi] = false;
            self.states[pi] = self.states[pi].on_fin_acked();
            let (step, note, n) = fin_acked(self.states, self.closer, me, rel_ack);
            teardown_step = Some(n);
            (step, note)
        } else if pure_ack {
            (
                Step::Ack,
                Note::Ack {
                    from: me,
                    acked: Some(0),
                    rel_ack,
                },
            )
        } else {
            (Step::Other, Note::AfterClose { from: me })
        };
        let annotation = Annotation {
            conn: Some(self.id),
            client: self.client,
            server: self.server,
            dir,
            step,
            rel_seq,
            rel_ack,
            labels,
            note,
            extra: Vec::new(),
            client_state: self.states[Side::Client.index()],
            server_state: self.states[Side::Server.index()],
            handshake_step: None,
            teardown_step,
            inferred: None,
            settles: false,
            revisions,
            kernel: None,
        };
        (annotation, restart)
    }
}
