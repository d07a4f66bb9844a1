//! Holding a line back until the wire settles what it shows.
//!
//! Some states cannot be known when a segment is captured: after a SYN the
//! server is SYN-RECEIVED only if something listens (an RST answer means
//! there was no socket at all), and after the first FIN the other side is
//! in CLOSE-WAIT only if its own FIN is not already on the way. The tracker
//! marks such annotations [`Inferred`]; the answer, a few microseconds
//! later, confirms them or carries a [`Revision`]. The line renderers (text
//! and JSON) hold an inferred segment, and what comes after it, until that
//! answer arrives, so that what is printed is what happened. A line still
//! unsettled when output is flushed (live captures flush when idle), at the
//! end, or when [`MAX_HELD`] items wait, goes out with its [`Inferred`].

use std::collections::VecDeque;
use std::io;

use super::Item;
use crate::track::{Annotation, Inferred, TcpState};

/// Most items held back at once; beyond that the oldest goes out unsettled.
pub const MAX_HELD: usize = 256;

/// The items held back, each with what is still unsettled about it.
#[derive(Debug, Default)]
pub struct Settle {
    held: VecDeque<(Item, Option<Inferred>)>,
}

impl Settle {
    /// Pass `item` to `out` now, or hold it (with everything after it)
    /// until its inferred state is settled.
    pub fn push(
        &mut self,
        item: &Item,
        out: &mut dyn FnMut(&Item, Option<&Inferred>) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut inferred = None;
        if let Item::Segment { ann, .. } = item {
            if !self.held.is_empty() {
                self.settle(ann);
            }
            inferred = ann.conn.and(ann.inferred);
        }
        if self.held.is_empty() && inferred.is_none() {
            return out(item, None);
        }
        self.held.push_back((item.clone(), inferred));
        self.release(out, false)
    }

    /// Pass everything held on, settled or not.
    pub fn drain(
        &mut self,
        out: &mut dyn FnMut(&Item, Option<&Inferred>) -> io::Result<()>,
    ) -> io::Result<()> {
        self.release(out, true)
    }

    /// A later segment of a held connection: apply its revisions, and if it
    /// is the answer the tracker waited for, settle what was inferred about
    /// its sender (a segment that crossed the FIN does not).
    fn settle(&mut self, later: &Annotation) {
        let Some(conn) = later.conn else {
            return;
        };
        for r in &later.revisions {
            for (item, _) in self.held.iter_mut().rev() {
                let Item::Segment { ann, .. } = item else {
                    continue;
                };
                if ann.conn != Some(conn) {
                    continue;
                }
                if ann.state(r.side) == r.shown {
                    ann.set_state(r.side, r.really);
                } else if r.really != TcpState::NoSocket {
                    // Shown from a later segment on only: stop there.
                    break;
                }
            }
        }
        if !later.settles {
            return;
        }
        let sender = later.dir.sender();
        for (item, unsettled) in self.held.iter_mut() {
            if let (Item::Segment { ann, .. }, Some(i)) = (&*item, *unsettled) {
                if ann.conn == Some(conn) && i.side == sender {
                    *unsettled = None;
                }
            }
        }
    }

    fn release(
        &mut self,
        out: &mut dyn FnMut(&Item, Option<&Inferred>) -> io::Result<()>,
        all: bool,
    ) -> io::Result<()> {
        while let Some((_, unsettled)) = self.held.front() {
            if unsettled.is_some() && !all && self.held.len() <= MAX_HELD {
                break;
            }
            if let Some((item, unsettled)) = self.held.pop_front() {
                out(&item, unsettled.as_ref())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(super) mod testing {
    //! Hand-built segments between a client and a server, tracked.
    use super::Item;
    use crate::track::Tracker;
    use crate::wire::{Segment, SeqNum, TcpFlags, TcpOptions};
    use std::time::Duration;

    pub const CLIENT: &str = "127.0.0.1:40000";
    pub const SERVER: &str = "127.0.0.1:5000";

    /// An empty segment from the client (`true`) or the server.
    pub fn segment(from_client: bool, flags: u8, seq: u32, ack: u32) -> Segment {
        let (src, dst) = if from_client {
            (CLIENT, SERVER)
        } else {
            (SERVER, CLIENT)
        };
        Segment {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            seq: SeqNum(seq),
            ack: SeqNum(ack),
            flags: TcpFlags(flags),
            window: 100,
            options: TcpOptions::default(),
            payload_len: 0,
            preview: Vec::new(),
            payload_truncated: false,
        }
    }

    /// The segments through one tracker, 1 ms apart, as items.
    pub fn tracked(segments: &[Segment]) -> Vec<Item> {
        let mut tracker = Tracker::default();
        segments
            .iter()
            .enumerate()
            .map(|(i, seg)| {
                let t = Duration::from_millis(i as u64);
                let ann = tracker.on_segment(t, seg);
                Item::Segment {
                    t,
                    seg: seg.clone(),
                    ann,
                    headers: None,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{segment as seg, tracked};
    use super::*;
    use crate::track::{Side, Until};
    use crate::wire::{Segment, TcpFlags};

    /// Pass tracked segments through a `Settle` and return what comes
    /// out: (server state, unsettled) per segment, in order.
    fn run(segments: &[Segment], drain: bool) -> Vec<(TcpState, Option<Inferred>)> {
        let mut settle = Settle::default();
        let mut got = Vec::new();
        let mut out = |item: &Item, unsettled: Option<&Inferred>| {
            if let Item::Segment { ann, .. } = item {
                got.push((ann.server_state, unsettled.copied()));
            }
            Ok(())
        };
        for item in tracked(segments) {
            settle.push(&item, &mut out).unwrap();
        }
        if drain {
            settle.drain(&mut out).unwrap();
        }
        got
    }

    #[test]
    fn a_refused_syn_is_printed_with_no_server_socket() {
        use TcpFlags as F;
        let got = run(
            &[
                seg(true, F::SYN, 100, 0),
                seg(false, F::RST | F::ACK, 0, 101),
            ],
            false,
        );
        assert_eq!(
            got,
            [(TcpState::NoSocket, None), (TcpState::NoSocket, None)],
            "nothing listened: no SYN-RECEIVED, even on the SYN's line"
        );
    }

    #[test]
    fn crossing_fins_never_print_close_wait() {
        use TcpFlags as F;
        let got = run(
            &[
                seg(true, F::SYN, 100, 0),
                seg(false, F::SYN | F::ACK, 500, 101),
                seg(true, F::ACK, 101, 501),
                // Both FINs leave before either arrives.
                seg(true, F::FIN | F::ACK, 101, 501),
                seg(false, F::FIN | F::ACK, 501, 101),
            ],
            false,
        );
        let server: Vec<TcpState> = got.iter().map(|g| g.0).collect();
        assert!(!server.contains(&TcpState::CloseWait), "{server:?}");
        assert_eq!(server[3], TcpState::FinWait1);
        assert_eq!(server[4], TcpState::Closing);
    }

    #[test]
    fn data_that_crossed_the_fin_does_not_settle_its_close_wait() {
        use TcpFlags as F;
        let mut data = seg(false, F::PSH | F::ACK, 501, 101);
        data.payload_len = 10;
        let got = run(
            &[
                seg(true, F::SYN, 100, 0),
                seg(false, F::SYN | F::ACK, 500, 101),
                seg(true, F::ACK, 101, 501),
                seg(true, F::FIN | F::ACK, 101, 501),
                // Sent before the client's FIN arrived: it does not ack it.
                data,
                seg(false, F::FIN | F::ACK, 511, 101),
            ],
            false,
        );
        let server: Vec<TcpState> = got.iter().map(|g| g.0).collect();
        assert!(!server.contains(&TcpState::CloseWait), "{server:?}");
    }

    #[test]
    fn an_unanswered_syn_goes_out_marked_inferred_when_drained() {
        let got = run(&[seg(true, TcpFlags::SYN, 100, 0)], false);
        assert!(got.is_empty(), "held until the server answers");
        let got = run(&[seg(true, TcpFlags::SYN, 100, 0)], true);
        assert_eq!(got.len(), 1);
        let unsettled = got[0].1.expect("still inferred");
        assert_eq!(
            (unsettled.side, unsettled.until),
            (Side::Server, Until::SynAnswered)
        );
    }

    #[test]
    fn at_most_max_held_items_wait() {
        // SYNs that nobody answers: each waits, but never more than MAX_HELD.
        let syns: Vec<Segment> = (0..(MAX_HELD as u32 + 10))
            .map(|i| {
                let mut s = seg(true, TcpFlags::SYN, 100, 0);
                s.src = format!("127.0.0.1:{}", 20_000 + i).parse().unwrap();
                s
            })
            .collect();
        let mut settle = Settle::default();
        let mut n = 0;
        for item in tracked(&syns) {
            settle
                .push(&item, &mut |_, u| {
                    assert!(u.is_some());
                    n += 1;
                    Ok(())
                })
                .unwrap();
        }
        assert_eq!(n, 10);
    }
}
