//! The ladder (time-sequence) diagram: the client's column on the left, the
//! server's on the right, one slanted arrow per segment, the socket calls in
//! their program's column and each side's TCP state as it changes.
//!
//! ```text
//! #1  client 127.0.0.1:53312              server 127.0.0.1:5000
//!                  CLOSED │                          │ LISTEN
//!           connect() ... │                          │
//!                SYN-SENT │── SYN seq=0 ─┐           │
//!                         │              └──────────▶│ SYN-RECEIVED
//! ```
//!
//! [`Ladder`] is the model (shared with the SVG export); [`LadderRender`]
//! draws it in a terminal: live as segments arrive, each diagram once its
//! connection ended (reading a file), or all at the end. Memory is bounded
//! in every mode (see [`Ladder`]).
//!
//! The terminal drawing uses the whole width it is given and never more:
//! the arrows' area grows up to what the longest labels need, the columns
//! beside it take the rest for the calls and states, and a label or a call
//! that does not fit is wrapped onto the next line, never cut.
//!
//! With a time scale ([`LadderRender::time_scale`]), the rows between two
//! rungs stand for the time between them: one empty row per step of the
//! scale, the gap's duration written in it, and a gap longer than
//! [`MAX_GAP_ROWS`] rows drawn as a break (`≈`) with its duration.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::time::Duration;

use colored::Color;

use super::wrap::{self, center, pad_left, pad_right};
use super::{human_duration, table, End, Item, Render, Style};
use crate::i18n::facts;
use crate::t;
use crate::timeline::{Conversation, Icmp};
use crate::track::{Dir, Label, Revision, Side, Step, TcpState};
use crate::wire::TcpFlags;

/// Below this many columns the diagram becomes one line per segment.
pub const MIN_WIDTH: usize = 60;
/// Rungs kept per connection for a diagram drawn at the end.
pub const MAX_RUNGS: usize = 2000;
/// Most diagrams a ladder or an SVG draws, as the summary table lists at
/// most as many connections; the others are counted and said.
pub const MAX_DIAGRAMS: usize = crate::timeline::MAX_TABLE_ROWS;
/// Most rungs kept in all, whatever the number of diagrams (about 20 MB).
pub const MAX_KEPT_RUNGS: usize = 200_000;
/// With a time scale: the most empty rows drawn for one gap; a longer gap
/// is drawn as a break with its duration.
pub const MAX_GAP_ROWS: usize = 12;
/// Ended connections whose diagram waits before it is drawn (streaming) or
/// forgotten (live): a call may still return after the last ACK.
const RECENT_ENDED: usize = 256;
/// Diagrams drawn or forgotten that late items may not open again.
const CLOSED_MEMORY: usize = 4096;
/// Live: most diagrams whose states are kept at once (flows that never end).
const LIVE_DIAGRAMS: usize = 10_000;
/// The widest the arrows' area grows: enough for the longest segment label
/// (`PSH-ACK seq=4294967295 ack=4294967295 len=65535`) and its arrow; the
/// rest of a wide terminal goes to the calls beside it.
const MAX_MIDDLE: usize = 56;
/// The narrowest arrows' area (a short label and its arrow).
const MIN_MIDDLE: usize = 24;
/// Cells an arrow needs around its label: `── ` before, ` ─┐` and the
/// bend's run after.
const ARROW_FRAME: usize = 6;

/// What kind of segment an arrow is (its colour).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Handshake,
    Data,
    Ack,
    Teardown,
    Reset,
    Retransmission,
    Datagram,
    /// An ICMP error (a port unreachable answering a UDP datagram).
    Icmp,
    Other,
}

impl Kind {
    fn of(step: Step) -> Kind {
        match step {
            Step::Handshake1 | Step::Handshake2 | Step::Handshake3 => Kind::Handshake,
            Step::Data => Kind::Data,
            Step::Ack => Kind::Ack,
            Step::Teardown1 | Step::Teardown2 | Step::Teardown3 | Step::Teardown4 => Kind::Teardown,
            Step::Reset => Kind::Reset,
            Step::Retransmission => Kind::Retransmission,
            Step::Other => Kind::Other,
        }
    }

    /// Terminal colour.
    pub fn color(self) -> Color {
        match self {
            Kind::Handshake => Color::Green,
            Kind::Teardown => Color::Yellow,
            Kind::Reset | Kind::Icmp => Color::Red,
            Kind::Retransmission => Color::Magenta,
            Kind::Datagram => Color::Cyan,
            Kind::Data | Kind::Ack | Kind::Other => Color::White,
        }
    }

    /// CSS class name in the SVG.
    pub fn class(self) -> &'static str {
        match self {
            Kind::Handshake => "handshake",
            Kind::Data => "data",
            Kind::Ack => "ack",
            Kind::Teardown => "teardown",
            Kind::Reset => "reset",
            Kind::Retransmission => "retransmission",
            Kind::Datagram => "datagram",
            Kind::Icmp => "icmp",
            Kind::Other => "other",
        }
    }
}

/// One rung of the ladder.
#[derive(Clone, Debug, PartialEq)]
pub enum Rung {
    /// A segment (or datagram, or ICMP error) crossing from one column to
    /// the other.
    Arrow {
        /// When it crossed the capture point.
        t: Duration,
        /// Left to right (client to server) or back.
        dir: Dir,
        label: String,
        kind: Kind,
        /// New state of the sender / receiver, when it changed.
        sender_state: Option<TcpState>,
        receiver_state: Option<TcpState>,
        /// Relative sequence number and payload length (TCP; 0 otherwise),
        /// for condensed runs of data.
        seq: u32,
        len: u32,
        /// Plain data or a plain ACK, nothing else worth pointing out: a
        /// run of them may be drawn as one band.
        routine: bool,
        /// A duplicate ACK (the receiver asks again for missing bytes).
        dup_ack: bool,
    },
    /// A socket call written in its program's column.
    Call {
        t: Duration,
        side: Side,
        text: String,
    },
}

impl Rung {
    /// When it happened.
    pub fn t(&self) -> Duration {
        match self {
            Rung::Arrow { t, .. } | Rung::Call { t, .. } => *t,
        }
    }
}

/// One connection's (or UDP flow's) diagram.
#[derive(Clone, Debug)]
pub struct Diagram {
    /// `#3` for a TCP connection, `u2` for a UDP flow.
    pub tag: String,
    pub left: SocketAddr,
    pub right: SocketAddr,
    pub left_title: String,
    pub right_title: String,
    /// States before the first rung (TCP only).
    pub initial: Option<(TcpState, TcpState)>,
    pub rungs: Vec<Rung>,
    /// Rungs not kept (over [`MAX_RUNGS`]).
    pub dropped: u64,
    /// How the connection went, once it ended: `handshake complete ·
    /// teardown three-way · closed by the client`.
    pub caption: Option<String>,
    /// The time the capture's first item was seen: timestamps are written
    /// since then, as the text view writes them.
    pub origin: Duration,
    /// The last known states, to show only changes.
    last: (TcpState, TcpState),
    /// When its latest rung happened (for a live time scale).
    last_t: Option<Duration>,
}

/// The ladder model: diagrams in order of first appearance, bounded.
///
/// A model that keeps rungs (for drawing at the end, or the SVG) opens at
/// most [`MAX_DIAGRAMS`] diagrams, as the summary table lists at most as
/// many connections, and keeps at most [`MAX_KEPT_RUNGS`] rungs in all;
/// what is left out is counted ([`Ladder::left_out`]). A live model keeps
/// only each diagram's states and forgets a connection some time after it
/// ended, so it draws for ever in bounded memory.
#[derive(Debug)]
pub struct Ladder {
    /// Keys in order of first appearance (closed ones are purged lazily).
    order: VecDeque<Conversation>,
    diagrams: HashMap<Conversation, Diagram>,
    /// Keep rungs (for drawing at the end / SVG) or only the latest.
    keep: bool,
    /// Most diagrams opened in all.
    limit: usize,
    opened: usize,
    left_out: u64,
    /// The highest connection and flow numbers counted as left out: the
    /// numbers grow with each new connection, so a new one is a higher one.
    left_out_tcp: u64,
    left_out_udp: u64,
    rungs_kept: usize,
    /// Connections that ended, oldest first, their diagram still here.
    ended: VecDeque<Conversation>,
    /// Diagrams recently drawn or forgotten: a late item (a call that
    /// returns after the last ACK) must not open them again.
    closed: HashSet<Conversation>,
    closed_order: VecDeque<Conversation>,
    /// The time of the first item seen.
    origin: Option<Duration>,
}

/// What [`Ladder::add`] did, for a live renderer.
pub enum Added<'a> {
    Nothing,
    /// A rung was added; `new` when it opened a new diagram; `after` is
    /// when the diagram's previous rung happened.
    Rung {
        diagram: &'a Diagram,
        rung: Rung,
        new: bool,
        after: Option<Duration>,
    },
}

impl Ladder {
    /// A model that keeps rungs (`keep`, bounded as above) or, for live
    /// drawing, only tracks states.
    pub fn new(keep: bool) -> Ladder {
        Ladder {
            order: VecDeque::new(),
            diagrams: HashMap::new(),
            keep,
            limit: if keep { MAX_DIAGRAMS } else { usize::MAX },
            opened: 0,
            left_out: 0,
            left_out_tcp: 0,
            left_out_udp: 0,
            rungs_kept: 0,
            ended: VecDeque::new(),
            closed: HashSet::new(),
            closed_order: VecDeque::new(),
            origin: None,
        }
    }

    /// Diagrams in order of first appearance.
    pub fn diagrams(&self) -> impl Iterator<Item = &Diagram> {
        self.order.iter().filter_map(|k| self.diagrams.get(k))
    }

    /// The diagram of a connection or flow.
    pub fn diagram(&self, of: Conversation) -> Option<&Diagram> {
        self.diagrams.get(&of)
    }

    /// Connections and flows that got no diagram because of the cap.
    pub fn left_out(&self) -> u64 {
        self.left_out
    }

    /// Take the diagram of the earliest ended connection, once more than
    /// `recent` others ended after it (with `recent = 0`: any ended one).
    /// Streaming renderers draw it and free it.
    pub fn take_ended(&mut self, recent: usize) -> Option<Diagram> {
        if self.ended.len() <= recent {
            return None;
        }
        let key = self.ended.pop_front()?;
        self.close(key)
    }

    /// Take every diagram left, in order of first appearance.
    pub fn take_all(&mut self) -> Vec<Diagram> {
        let order = std::mem::take(&mut self.order);
        let out = order
            .into_iter()
            .filter_map(|k| self.diagrams.remove(&k))
            .collect();
        self.ended.clear();
        self.rungs_kept = 0;
        out
    }

    /// Remove a diagram and remember that it is closed.
    fn close(&mut self, key: Conversation) -> Option<Diagram> {
        let d = self.diagrams.remove(&key)?;
        self.rungs_kept = self.rungs_kept.saturating_sub(d.rungs.len());
        if self.closed.insert(key) {
            self.closed_order.push_back(key);
            if self.closed_order.len() > CLOSED_MEMORY {
                if let Some(old) = self.closed_order.pop_front() {
                    self.closed.remove(&old);
                }
            }
        }
        // Purge the order of closed keys now and then (amortized O(1)).
        if self.order.len() > 2 * self.diagrams.len() + 64 {
            let diagrams = &self.diagrams;
            self.order.retain(|k| diagrams.contains_key(k));
        }
        Some(d)
    }

    /// Count a connection or flow that gets no diagram, once.
    fn leave_out(&mut self, key: Conversation) {
        let highest = match key {
            Conversation::Tcp(n) => (n, &mut self.left_out_tcp),
            Conversation::Udp(n) => (n, &mut self.left_out_udp),
        };
        if highest.0 > *highest.1 {
            *highest.1 = highest.0;
            self.left_out += 1;
        }
    }

    /// Add what an item contributes to the diagrams.
    pub fn add(&mut self, item: &Item) -> Added<'_> {
        let origin = *self.origin.get_or_insert(item.t());
        if let Item::Connection(sum) = item {
            let key = Conversation::Tcp(sum.conn);
            if let Some(d) = self.diagrams.get_mut(&key) {
                let closed = sum
                    .closed_by
                    .map(|side| t!("capture-ladder-closed-by", side = super::side_word(side)))
                    .unwrap_or_default();
                d.caption = Some(t!(
                    "capture-ladder-caption",
                    handshake = super::handshake_word(sum.handshake),
                    teardown = super::teardown_word(sum.teardown),
                    closed = closed
                ));
                self.ended.push_back(key);
                if !self.keep {
                    // Live: the rungs are drawn already; keep the states a
                    // little for late calls, then forget the connection.
                    while self.ended.len() > RECENT_ENDED {
                        if let Some(k) = self.ended.pop_front() {
                            self.close(k);
                        }
                    }
                }
            } else if !self.closed.contains(&key) {
                // A connection whose segments were all left out.
                self.leave_out(key);
            }
            return Added::Nothing;
        }
        let key = match item {
            Item::Segment { .. } | Item::Datagram { .. } => item.conversation(),
            Item::Other {
                icmp: Some(icmp), ..
            } => icmp.about,
            // Only the calls that send or that waited for the wire: the
            // others (setsockopt, the entry of recv...) would crowd it.
            Item::Call(c) if c.sends() || c.waited() => c.side.and(c.conversation()),
            _ => None,
        };
        let Some(key) = key else {
            return Added::Nothing;
        };
        if self.closed.contains(&key) {
            return Added::Nothing;
        }
        let new = !self.diagrams.contains_key(&key);
        if new {
            if self.opened >= self.limit || self.rungs_kept >= MAX_KEPT_RUNGS {
                self.leave_out(key);
                return Added::Nothing;
            }
            let Some(d) = opener(item, key, origin) else {
                return Added::Nothing;
            };
            self.opened += 1;
            self.diagrams.insert(key, d);
            self.order.push_back(key);
            if !self.keep && self.diagrams.len() > LIVE_DIAGRAMS {
                // Live, many flows that never end (UDP): forget the oldest.
                if let Some(&oldest) = self.order.iter().find(|k| self.diagrams.contains_key(k)) {
                    self.close(oldest);
                }
            }
        }
        let Some(d) = self.diagrams.get_mut(&key) else {
            return Added::Nothing;
        };
        // A diagram drawn at the end is redrawn where a later segment proved
        // an earlier state wrong; a live one has printed those lines already,
        // so the new state shows as a change on this segment's rung.
        if let (true, Item::Segment { ann, .. }) = (self.keep, item) {
            for r in &ann.revisions {
                revise(d, r);
            }
        }
        let Some(rung) = rung(d, item) else {
            return Added::Nothing;
        };
        let after = d.last_t.replace(rung.t());
        if !self.keep {
            // Live drawing needs only the states: the model does not grow.
        } else if d.rungs.len() < MAX_RUNGS && self.rungs_kept < MAX_KEPT_RUNGS {
            d.rungs.push(rung.clone());
            self.rungs_kept += 1;
        } else {
            d.dropped += 1;
        }
        Added::Rung {
            diagram: &self.diagrams[&key],
            rung,
            new,
            after,
        }
    }
}

/// A new, empty diagram for the first item of a connection or flow.
fn opener(item: &Item, key: Conversation, origin: Duration) -> Option<Diagram> {
    let (left, right, initial) = match item {
        Item::Segment { ann, .. } => (ann.client, ann.server, Some(initial_states(ann.step))),
        Item::Datagram { d, .. } => (d.src, d.dst, None),
        // A call before the connection's first segment (connect() before
        // its SYN, recvfrom() waiting for the first datagram): open the
        // diagram from the call's own addresses.
        Item::Call(c) => {
            let (left, right) = c.ends?;
            let tcp = matches!(key, Conversation::Tcp(_));
            (
                left,
                right,
                tcp.then_some((TcpState::Closed, TcpState::Listen)),
            )
        }
        // An error about a datagram the diagram has not drawn (its flow
        // was opened before the capture started).
        Item::Other {
            icmp: Some(icmp), ..
        } => (icmp.error.src, icmp.error.dst, None),
        _ => return None,
    };
    let titles = match key {
        Conversation::Tcp(_) => (t!("capture-side-client"), t!("capture-side-server")),
        Conversation::Udp(_) => (t!("capture-side-sender"), t!("capture-side-receiver")),
    };
    Some(Diagram {
        tag: key.tag(),
        left,
        right,
        left_title: titles.0,
        right_title: titles.1,
        initial,
        rungs: Vec::new(),
        dropped: 0,
        // The caption of a UDP flow's diagram.
        caption: matches!(key, Conversation::Udp(_)).then(|| t!("capture-udp-caption")),
        origin,
        last: initial.unwrap_or((TcpState::Closed, TcpState::Closed)),
        last_t: None,
    })
}

/// The state drawn for `side` in a (client, server) pair.
fn side_mut(pair: &mut (TcpState, TcpState), side: Side) -> &mut TcpState {
    match side {
        Side::Client => &mut pair.0,
        Side::Server => &mut pair.1,
    }
}

/// The state change drawn on an arrow for `side`, if any.
fn marker_mut(rung: &mut Rung, side: Side) -> Option<&mut Option<TcpState>> {
    match rung {
        Rung::Arrow {
            dir,
            sender_state,
            receiver_state,
            ..
        } => Some(if dir.sender() == side {
            sender_state
        } else {
            receiver_state
        }),
        Rung::Call { .. } => None,
    }
}

/// A later segment proved that a state drawn earlier for one side did not
/// happen: draw what really was. No socket applies from the top.
fn revise(d: &mut Diagram, r: &Revision) {
    if r.really == TcpState::NoSocket {
        if let Some(initial) = d.initial.as_mut() {
            *side_mut(initial, r.side) = TcpState::NoSocket;
        }
        for rung in &mut d.rungs {
            if let Some(m) = marker_mut(rung, r.side) {
                *m = None;
            }
        }
        *side_mut(&mut d.last, r.side) = TcpState::NoSocket;
        return;
    }
    // The latest change drawn for that side, if it drew `shown`.
    let latest = d
        .rungs
        .iter_mut()
        .enumerate()
        .rev()
        .find_map(|(i, rung)| marker_mut(rung, r.side).and_then(|m| m.map(|s| (i, s))));
    if let Some((i, _)) = latest.filter(|&(_, drawn)| drawn == r.shown) {
        // Drawing the state it already had before would look like a change.
        let before = d.rungs[..i]
            .iter_mut()
            .rev()
            .find_map(|rung| marker_mut(rung, r.side).and_then(|m| *m))
            .or_else(|| d.initial.map(|mut p| *side_mut(&mut p, r.side)));
        if let Some(m) = marker_mut(&mut d.rungs[i], r.side) {
            *m = (before != Some(r.really)).then_some(r.really);
        }
    }
    let last = side_mut(&mut d.last, r.side);
    if *last == r.shown {
        *last = r.really;
    }
}

/// The rung an item adds to its diagram (updating the diagram's states).
fn rung(d: &mut Diagram, item: &Item) -> Option<Rung> {
    match item {
        Item::Segment { t, seg, ann, .. } => {
            let mut label = seg.flags.label();
            label.push_str(&format!(" seq={}", ann.rel_seq));
            if seg.flags.has(TcpFlags::ACK) {
                label.push_str(&format!(" ack={}", ann.rel_ack));
            }
            if seg.payload_len > 0 {
                label.push_str(&format!(" len={}", seg.payload_len));
            }
            // What makes this segment stand out of a run of data.
            let mut routine = matches!(ann.step, Step::Data | Step::Ack);
            let mut dup_ack = false;
            for l in &ann.labels {
                match l {
                    Label::WindowUpdate | Label::SynOptions(_) => {}
                    Label::Retransmission => routine = false,
                    other => {
                        dup_ack |= matches!(other, Label::DupAck(_));
                        routine = false;
                        label.push_str(&format!(" [{other}]"));
                    }
                }
            }
            let (old_c, old_s) = d.last;
            d.last = (ann.client_state, ann.server_state);
            let changed_c = (old_c != ann.client_state).then_some(ann.client_state);
            let changed_s = (old_s != ann.server_state).then_some(ann.server_state);
            let (sender_state, receiver_state) = match ann.dir {
                Dir::C2S => (changed_c, changed_s),
                Dir::S2C => (changed_s, changed_c),
            };
            Some(Rung::Arrow {
                t: *t,
                dir: ann.dir,
                label,
                kind: Kind::of(ann.step),
                sender_state,
                receiver_state,
                seq: ann.rel_seq,
                len: seg.payload_len,
                routine: routine && changed_c.is_none() && changed_s.is_none(),
                dup_ack,
            })
        }
        Item::Datagram { t, d: dg, .. } => Some(Rung::Arrow {
            t: *t,
            dir: if dg.src == d.left { Dir::C2S } else { Dir::S2C },
            label: format!("UDP len={}", dg.payload_len),
            kind: Kind::Datagram,
            sender_state: None,
            receiver_state: None,
            seq: 0,
            len: dg.payload_len,
            routine: false,
            dup_ack: false,
        }),
        Item::Other {
            t,
            icmp: Some(icmp),
            ..
        } => {
            if icmp.error.port_unreachable {
                d.caption = Some(unreachable_caption(icmp));
            }
            Some(Rung::Arrow {
                t: *t,
                // The error goes back to the sender of the datagram it quotes.
                dir: if icmp.error.src == d.left {
                    Dir::S2C
                } else {
                    Dir::C2S
                },
                label: format!("ICMP {}", icmp.error.what),
                kind: Kind::Icmp,
                sender_state: None,
                receiver_state: None,
                seq: 0,
                len: 0,
                routine: false,
                dup_ack: false,
            })
        }
        Item::Call(c) => Some(Rung::Call {
            t: c.ev.t,
            side: c.side?,
            text: call_text(c),
        }),
        _ => None,
    }
}

/// What a flow's diagram says once a port unreachable came back.
fn unreachable_caption(icmp: &Icmp) -> String {
    t!("capture-udp-unreachable", port = icmp.error.dst.port())
}

/// States before the first segment seen: CLOSED/LISTEN when the capture saw
/// the SYN; unknown mid-stream starts are shown as ESTABLISHED.
fn initial_states(first: Step) -> (TcpState, TcpState) {
    match first {
        Step::Handshake1 => (TcpState::Closed, TcpState::Listen),
        _ => (TcpState::Established, TcpState::Established),
    }
}

/// `connect() ...`, `accept() -> new socket ...`, `recv() -> 6 bytes
/// "hello"`: the whole result, worded as the text view words it (a lab
/// program's event its own way, the kernel's record through its source);
/// the drawing wraps it.
fn call_text(c: &super::Call) -> String {
    super::text::call_words(c)
}

/// Column widths of a terminal diagram: the tag, the client's column (up
/// to its lifeline), the arrows' area between the lifelines, the server's
/// column after its lifeline and one space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cols {
    tag: usize,
    left: usize,
    middle: usize,
    right: usize,
}

impl Cols {
    /// `width` cells in all: the arrows get a little less than half (within
    /// [`MIN_MIDDLE`]..[`MAX_MIDDLE`]), the two columns the rest.
    fn for_width(width: usize, tag: &str) -> Cols {
        let tag = (wrap::width(tag) + 1).max(4);
        // Two lifelines and the space after the right one.
        let rest = width.saturating_sub(tag + 3);
        let middle = (rest * 7 / 15).clamp(MIN_MIDDLE, MAX_MIDDLE);
        let sides = rest.saturating_sub(middle);
        let left = sides / 2;
        Cols {
            tag,
            left,
            middle,
            right: sides - left,
        }
    }

    /// The longest label line an arrow holds.
    fn label(&self) -> usize {
        self.middle - ARROW_FRAME
    }
}

/// A diagram's rows are built from these: the tag, the client's column
/// (right-aligned against its lifeline), the middle and the server's
/// column.
fn row(c: &Cols, tag: &str, left: &str, middle: &str, right: &str) -> String {
    let line = format!(
        "{}{}│{}│ {}",
        pad_right(tag, c.tag),
        pad_left(left, c.left),
        pad_right(middle, c.middle),
        right
    );
    line.trim_end().to_string()
}

/// The header lines of one diagram.
pub fn header_lines(d: &Diagram, width: usize) -> Vec<String> {
    let left = format!("{} {}", d.left_title, d.left);
    let right = format!("{} {}", d.right_title, d.right);
    if width < MIN_WIDTH {
        let one = format!("{} {left} ↔ {right}", d.tag);
        if wrap::width(&one) <= width {
            return vec![one];
        }
        return wrap::wrap(&one, width);
    }
    let c = Cols::for_width(width, &d.tag);
    let tag = pad_right(&d.tag, c.tag);
    // The right title starts above the server's lifeline, or further left
    // when it would not fit; on its own line when both do not fit on one.
    let lifeline = c.tag + c.left + c.middle + 1;
    let start = lifeline.min(width.saturating_sub(wrap::width(&right)));
    let left_end = c.tag + wrap::width(&left) + 1;
    let mut lines = if start >= left_end {
        vec![format!(
            "{tag}{left}{}{right}",
            " ".repeat(start - left_end + 1)
        )]
    } else {
        vec![
            format!("{tag}{left}"),
            pad_left(&right, width.min(lifeline + wrap::width(&right))),
        ]
    };
    lines = lines
        .into_iter()
        .flat_map(|l| {
            if wrap::width(&l) <= width {
                vec![l]
            } else {
                wrap::wrap(&l, width)
            }
        })
        .collect();
    if let Some((l, r)) = d.initial {
        lines.push(row(
            &c,
            "",
            &format!("{} ", facts::state(l)),
            "",
            facts::state(r),
        ));
    }
    lines
}

/// The text lines of one rung (uncoloured, plus the colour of the arrow).
pub fn rung_lines(d: &Diagram, rung: &Rung, width: usize) -> (Vec<String>, Option<Kind>) {
    if width < MIN_WIDTH {
        return narrow_lines(d, rung, width);
    }
    let c = Cols::for_width(width, &d.tag);
    let tag = d.tag.as_str();
    let st = |s: &Option<TcpState>| s.map(facts::state).unwrap_or_default().to_string();
    match rung {
        Rung::Call { side, text, .. } => {
            let lines = match side {
                Side::Client => wrap::wrap(text, c.left.saturating_sub(1))
                    .into_iter()
                    .map(|l| row(&c, tag, &format!("{l} "), "", ""))
                    .collect(),
                Side::Server => wrap::wrap(text, c.right)
                    .into_iter()
                    .map(|l| row(&c, tag, "", "", &l))
                    .collect(),
            };
            (lines, None)
        }
        Rung::Arrow {
            dir,
            label,
            kind,
            sender_state,
            receiver_state,
            ..
        } => {
            let m = c.middle;
            let labels = wrap::wrap(label, c.label());
            let lw = labels.iter().map(|l| wrap::width(l)).max().unwrap_or(0);
            let first = &labels[0];
            let fw = wrap::width(first);
            // The bend sits at the middle, or after a long label.
            let bend = (m / 2).max(lw + 4).min(m - 2);
            // Label lines after the first: beside the arrow's second row,
            // then on rows of their own.
            let more = &labels[1..];
            let (sender, receiver) = (st(sender_state), st(receiver_state));
            let mut lines = Vec::with_capacity(2 + more.len());
            match dir {
                Dir::C2S => {
                    let top = format!(
                        "── {first} {}┐{}",
                        "─".repeat(bend - fw - 4),
                        " ".repeat(m - bend - 1)
                    );
                    let beside = more.first().map(|l| format!("   {l}")).unwrap_or_default();
                    let bottom =
                        format!("{}└{}▶", pad_right(&beside, bend), "─".repeat(m - bend - 2));
                    lines.push(row(&c, tag, &format!("{sender} "), &top, ""));
                    lines.push(row(&c, tag, "", &bottom, &receiver));
                    for l in more.iter().skip(1) {
                        lines.push(row(&c, tag, "", &format!("   {l}"), ""));
                    }
                }
                Dir::S2C => {
                    let b = m - bend - 1;
                    let top = format!(
                        "{}┌{} {first} ──",
                        " ".repeat(b),
                        "─".repeat(m - b - fw - 5)
                    );
                    let beside = more.first().map(|l| format!("{l}   ")).unwrap_or_default();
                    let bottom = format!("◀{}┘{}", "─".repeat(b - 1), pad_left(&beside, m - b - 1));
                    lines.push(row(&c, tag, "", &top, &sender));
                    lines.push(row(&c, tag, &format!("{receiver} "), &bottom, ""));
                    for l in more.iter().skip(1) {
                        lines.push(row(&c, tag, "", &pad_left(&format!("{l}   "), m), ""));
                    }
                }
            }
            (lines, Some(*kind))
        }
    }
}

/// Below [`MIN_WIDTH`]: one line per rung (wrapped, never cut).
fn narrow_lines(d: &Diagram, rung: &Rung, width: usize) -> (Vec<String>, Option<Kind>) {
    let tag = format!("{:<4}", d.tag);
    let tw = wrap::width(&tag);
    let room = width.saturating_sub(tw).max(8);
    let indent = |lines: Vec<String>, right: bool| -> Vec<String> {
        lines
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                let t = if i == 0 { tag.clone() } else { " ".repeat(tw) };
                if right {
                    format!("{t}{}", pad_left(&l, room))
                } else {
                    format!("{t}{l}")
                }
            })
            .collect()
    };
    match rung {
        Rung::Arrow {
            dir, label, kind, ..
        } => {
            let a = match dir {
                Dir::C2S => "──▶",
                Dir::S2C => "◀──",
            };
            (
                indent(wrap::wrap(&format!("{a} {label}"), room), false),
                Some(*kind),
            )
        }
        Rung::Call { side, text, .. } => {
            let lines = wrap::wrap(text, room);
            (indent(lines, *side == Side::Server), None)
        }
    }
}

/// The rows that stand for the time between two rungs, `per_row` a row:
/// none for a short gap, empty rows with the gap's duration in the middle
/// one, or a break (`≈`) for a gap over [`MAX_GAP_ROWS`] rows.
pub fn gap_lines(d: &Diagram, gap: Duration, per_row: Duration, width: usize) -> Vec<String> {
    if per_row.is_zero() {
        return Vec::new();
    }
    let rows = (gap.as_nanos() / per_row.as_nanos()) as usize;
    if rows == 0 {
        return Vec::new();
    }
    let said = human_duration(gap);
    if width < MIN_WIDTH {
        let mark = if rows > MAX_GAP_ROWS { "≈" } else { "┆" };
        return vec![format!("    {mark} {said}")];
    }
    let c = Cols::for_width(width, &d.tag);
    if rows > MAX_GAP_ROWS {
        let long = t!("capture-gap-later-long", duration = said.as_str());
        let short = t!("capture-gap-later", duration = said.as_str());
        let fits = |t: &String| wrap::width(t) <= c.middle;
        let said = [long, short].into_iter().find(fits).unwrap_or(said);
        let text = center(&said, c.middle);
        let line = format!(
            "{}{}≈{}≈",
            " ".repeat(c.tag),
            " ".repeat(c.left),
            pad_right(&text, c.middle)
        );
        return vec![line.trim_end().to_string()];
    }
    // A dotted line down the middle, the gap's duration beside it.
    let mid = " ".repeat(c.middle / 2);
    (0..rows)
        .map(|i| {
            let middle = if i == (rows - 1) / 2 {
                format!("{mid}┆ {said}")
            } else {
                format!("{mid}┆")
            };
            row(&c, "", "", &middle, "")
        })
        .collect()
}

/// When a terminal ladder draws its diagrams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LadderMode {
    /// Each rung as it comes (a live capture).
    Live,
    /// Each diagram once its connection ended (a file, the ladder alone on
    /// the output): memory stays bounded whatever the file's size.
    Stream,
    /// Every diagram at the end (after another view of the same output).
    AtEnd,
}

/// Draws the ladder in a terminal.
pub struct LadderRender<W: Write> {
    out: W,
    style: Style,
    width: usize,
    mode: LadderMode,
    model: Ladder,
    /// With `--time-scale`: the time one empty row stands for.
    per_row: Option<Duration>,
    /// The diagram drawn last (live mode), to repeat its header on a switch.
    current: Option<String>,
    /// Print the summary table at the end (off when another renderer does).
    pub summary_table: bool,
}

impl<W: Write> LadderRender<W> {
    /// A ladder `width` cells wide, drawn in `mode`.
    pub fn new(out: W, style: Style, width: usize, mode: LadderMode) -> Self {
        LadderRender {
            out,
            style,
            width,
            mode,
            model: Ladder::new(mode != LadderMode::Live),
            per_row: None,
            current: None,
            summary_table: true,
        }
    }

    /// Draw time to scale: one empty row for each `per_row` between rungs.
    pub fn time_scale(mut self, per_row: Option<Duration>) -> Self {
        self.per_row = per_row;
        self
    }

    fn draw_lines(&mut self, lines: &[String], kind: Option<Kind>) -> io::Result<()> {
        for l in lines {
            match kind {
                Some(k) => writeln!(self.out, "{}", self.style.paint(l, k.color()))?,
                None => writeln!(self.out, "{}", self.style.paint(l, Color::Blue))?,
            }
        }
        Ok(())
    }

    fn draw_gap(&mut self, d: &Diagram, after: Option<Duration>, t: Duration) -> io::Result<()> {
        let (Some(per_row), Some(after)) = (self.per_row, after) else {
            return Ok(());
        };
        for l in gap_lines(d, t.saturating_sub(after), per_row, self.width) {
            writeln!(self.out, "{}", self.style.dim(&l))?;
        }
        Ok(())
    }

    /// Draw one whole diagram (non-live modes, and tests).
    pub fn draw_diagram(&mut self, d: &Diagram) -> io::Result<()> {
        let head = header_lines(d, self.width);
        writeln!(self.out)?;
        for h in &head {
            writeln!(self.out, "{}", self.style.strong(h, Color::Cyan))?;
        }
        let mut after = None;
        for r in &d.rungs {
            self.draw_gap(d, after, r.t())?;
            after = Some(r.t());
            let (lines, kind) = rung_lines(d, r, self.width);
            self.draw_lines(&lines, kind)?;
        }
        if d.dropped > 0 {
            writeln!(self.out, "    {}", t!("capture-more-rungs", n = d.dropped))?;
        }
        if let Some(c) = &d.caption {
            let tag = format!("{:<4}", d.tag);
            let room = self.width.saturating_sub(wrap::width(&tag)).max(8);
            for (i, l) in wrap::wrap(c, room).iter().enumerate() {
                let t = if i == 0 {
                    tag.clone()
                } else {
                    " ".repeat(tag.len())
                };
                writeln!(self.out, "{t}{}", self.style.dim(l))?;
            }
        }
        Ok(())
    }
}

/// What the ladder left out, in one line (`None` when nothing was).
pub fn left_out_line(left_out: u64) -> Option<String> {
    (left_out > 0).then(|| t!("capture-ladder-left-out", n = left_out, max = MAX_DIAGRAMS))
}

impl<W: Write> Render for LadderRender<W> {
    fn item(&mut self, item: &Item) -> io::Result<()> {
        let width = self.width;
        let added = self.model.add(item);
        match self.mode {
            LadderMode::AtEnd => return Ok(()),
            LadderMode::Stream => {
                while let Some(d) = self.model.take_ended(RECENT_ENDED) {
                    self.draw_diagram(&d)?;
                }
                return Ok(());
            }
            LadderMode::Live => {}
        }
        let Added::Rung {
            diagram,
            rung,
            new,
            after,
        } = added
        else {
            return Ok(());
        };
        let switched = new || self.current.as_deref() != Some(diagram.tag.as_str());
        let head = switched.then(|| header_lines(diagram, width));
        let gap = match (self.per_row, after) {
            (Some(per_row), Some(after)) if !switched => {
                gap_lines(diagram, rung.t().saturating_sub(after), per_row, width)
            }
            _ => Vec::new(),
        };
        let tag = diagram.tag.clone();
        let (lines, kind) = rung_lines(diagram, &rung, width);
        if let Some(head) = head {
            writeln!(self.out)?;
            for h in &head {
                writeln!(self.out, "{}", self.style.strong(h, Color::Cyan))?;
            }
        }
        for l in &gap {
            writeln!(self.out, "{}", self.style.dim(l))?;
        }
        self.current = Some(tag);
        self.draw_lines(&lines, kind)
    }

    fn end(&mut self, end: &End) -> io::Result<()> {
        if self.mode != LadderMode::Live {
            for d in self.model.take_all() {
                self.draw_diagram(&d)?;
            }
            if let Some(line) = left_out_line(self.model.left_out()) {
                writeln!(self.out)?;
                for l in wrap::wrap(&line, self.width) {
                    writeln!(self.out, "{l}")?;
                }
            }
        }
        if self.summary_table {
            writeln!(self.out)?;
            table::write_summary(&mut self.out, end, self.style, self.width)?;
            table::write_totals(&mut self.out, &end.totals, self.width)?;
        }
        self.out.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::settle::testing::{segment, tracked};
    use crate::wire::TcpFlags;

    /// A SYN answered by RST, as items.
    fn refused() -> Vec<Item> {
        tracked(&[
            segment(true, TcpFlags::SYN, 100, 0),
            segment(false, TcpFlags::RST | TcpFlags::ACK, 0, 101),
        ])
    }

    /// The state markers drawn on the server's column, top to bottom.
    fn server_column(d: &Diagram) -> Vec<Option<TcpState>> {
        d.rungs
            .iter()
            .filter_map(|r| match r {
                Rung::Arrow {
                    dir,
                    sender_state,
                    receiver_state,
                    ..
                } => Some(if *dir == Dir::S2C {
                    *sender_state
                } else {
                    *receiver_state
                }),
                Rung::Call { .. } => None,
            })
            .collect()
    }

    #[test]
    fn a_refused_connection_is_drawn_without_a_server_socket() {
        let mut drawn = Ladder::new(true);
        for item in &refused() {
            drawn.add(item);
        }
        let d = drawn.diagram(Conversation::Tcp(1)).unwrap();
        assert_eq!(d.initial, Some((TcpState::Closed, TcpState::NoSocket)));
        assert_eq!(server_column(d), [None, None], "no SYN-RECEIVED, no change");

        // Live, the SYN's rung is already on the screen: the RST's rung
        // shows the server's real state.
        let mut live = Ladder::new(false);
        let items = refused();
        live.add(&items[0]);
        let Added::Rung { rung, .. } = live.add(&items[1]) else {
            panic!("the RST draws a rung");
        };
        let Rung::Arrow { sender_state, .. } = rung else {
            panic!("an arrow");
        };
        assert_eq!(sender_state, Some(TcpState::NoSocket));
    }
}
