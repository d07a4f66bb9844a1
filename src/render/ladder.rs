//! The ladder (time-sequence) diagram: the client's column on the left, the
//! server's on the right, one slanted arrow per segment, the socket calls in
//! their program's column and each side's TCP state as it changes.
//!
//! ```text
//!  #1  client 127.0.0.1:53312                          server 127.0.0.1:5000
//!             CLOSED │                                        │ LISTEN
//!  connect() ...     │                                        │
//!           SYN-SENT │── SYN seq=0 ──────────┐                │
//!                    │                       └───────────────▶│ SYN-RECEIVED
//! ```
//!
//! [`Ladder`] is the model (shared with the SVG export); [`LadderRender`]
//! draws it in a terminal: live as segments arrive, each diagram once its
//! connection ended (reading a file), or all at the end. Memory is bounded
//! in every mode (see [`Ladder`]).

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{self, Write};
use std::net::SocketAddr;

use colored::Color;

use super::{table, End, Item, Render, Style};
use crate::events::Phase;
use crate::i18n::en;
use crate::track::{Dir, Revision, Side, Step, TcpState};
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
/// Ended connections whose diagram waits before it is drawn (streaming) or
/// forgotten (live): a call may still return after the last ACK.
const RECENT_ENDED: usize = 256;
/// Diagrams drawn or forgotten that late items may not open again.
const CLOSED_MEMORY: usize = 4096;
/// Live: most diagrams whose states are kept at once (flows that never end).
const LIVE_DIAGRAMS: usize = 10_000;

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
            Kind::Reset => Color::Red,
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
            Kind::Other => "other",
        }
    }
}

/// One rung of the ladder.
#[derive(Clone, Debug, PartialEq)]
pub enum Rung {
    /// A segment (or datagram) crossing from one column to the other.
    Arrow {
        /// Left to right (client to server) or back.
        dir: Dir,
        label: String,
        kind: Kind,
        /// New state of the sender / receiver, when it changed.
        sender_state: Option<TcpState>,
        receiver_state: Option<TcpState>,
    },
    /// A socket call written in its program's column.
    Call { side: Side, text: String },
}

/// One connection's (or UDP flow's) diagram.
#[derive(Clone, Debug)]
pub struct Diagram {
    /// `#3` for a TCP connection, `u2` for a UDP flow.
    pub tag: String,
    pub left: SocketAddr,
    pub right: SocketAddr,
    pub left_title: &'static str,
    pub right_title: &'static str,
    /// States before the first rung (TCP only).
    pub initial: Option<(TcpState, TcpState)>,
    pub rungs: Vec<Rung>,
    /// Rungs not kept (over [`MAX_RUNGS`]).
    pub dropped: u64,
    /// How the connection went, once it ended: `handshake complete ·
    /// teardown three-way · closed by the client`.
    pub caption: Option<String>,
    /// The last known states, to show only changes.
    last: (TcpState, TcpState),
}

/// Which diagram an item belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    Tcp(u64),
    Udp(u64),
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
    order: VecDeque<Key>,
    diagrams: HashMap<Key, Diagram>,
    /// Keep rungs (for drawing at the end / SVG) or only the latest.
    keep: bool,
    /// Only this TCP connection (`--conn N`).
    only: Option<u64>,
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
    ended: VecDeque<Key>,
    /// Diagrams recently drawn or forgotten: a late item (a call that
    /// returns after the last ACK) must not open them again.
    closed: HashSet<Key>,
    closed_order: VecDeque<Key>,
}

/// What [`Ladder::add`] did, for a live renderer.
pub enum Added<'a> {
    Nothing,
    /// A rung was added; `new` when it opened a new diagram.
    Rung {
        diagram: &'a Diagram,
        rung: Rung,
        new: bool,
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
            only: None,
            limit: if keep { MAX_DIAGRAMS } else { usize::MAX },
            opened: 0,
            left_out: 0,
            left_out_tcp: 0,
            left_out_udp: 0,
            rungs_kept: 0,
            ended: VecDeque::new(),
            closed: HashSet::new(),
            closed_order: VecDeque::new(),
        }
    }

    /// Only TCP connection `conn` (nothing else is kept or counted).
    pub fn only(mut self, conn: Option<u64>) -> Ladder {
        self.only = conn;
        self
    }

    /// Diagrams in order of first appearance.
    pub fn diagrams(&self) -> impl Iterator<Item = &Diagram> {
        self.order.iter().filter_map(|k| self.diagrams.get(k))
    }

    /// The diagram of TCP connection `conn`.
    pub fn connection(&self, conn: u64) -> Option<&Diagram> {
        self.diagrams.get(&Key::Tcp(conn))
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
    fn close(&mut self, key: Key) -> Option<Diagram> {
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
    fn leave_out(&mut self, key: Key) {
        let highest = match key {
            Key::Tcp(n) => (n, &mut self.left_out_tcp),
            Key::Udp(n) => (n, &mut self.left_out_udp),
        };
        if highest.0 > *highest.1 {
            *highest.1 = highest.0;
            self.left_out += 1;
        }
    }

    /// Add what an item contributes to the diagrams.
    pub fn add(&mut self, item: &Item) -> Added<'_> {
        if let Item::Connection(sum) = item {
            let key = Key::Tcp(sum.conn);
            if let Some(d) = self.diagrams.get_mut(&key) {
                let closed = sum
                    .closed_by
                    .map(|side| format!(" · closed by the {side}"))
                    .unwrap_or_default();
                d.caption = Some(format!(
                    "handshake {} · teardown {}{closed}",
                    sum.handshake.as_str(),
                    sum.teardown.as_str()
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
            } else if !self.only.is_some_and(|n| n != sum.conn) && !self.closed.contains(&key) {
                // A connection whose segments were all left out.
                self.leave_out(key);
            }
            return Added::Nothing;
        }
        let key = match item {
            Item::Segment { ann, .. } => ann.conn.map(Key::Tcp),
            Item::Datagram { note, .. } => Some(Key::Udp(note.flow)),
            // Only the calls that send or that waited for the wire: the
            // others (setsockopt, the entry of recv...) would crowd it.
            Item::Call(c) if c.sends() || c.waited() => c.side.and(c.conn).map(Key::Tcp),
            _ => None,
        };
        let Some(key) = key else {
            return Added::Nothing;
        };
        if self.only.is_some_and(|n| key != Key::Tcp(n)) || self.closed.contains(&key) {
            return Added::Nothing;
        }
        let new = !self.diagrams.contains_key(&key);
        if new {
            if self.opened >= self.limit {
                self.leave_out(key);
                return Added::Nothing;
            }
            let Some(d) = opener(item) else {
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
        }
    }
}

/// A new, empty diagram for the first item of a connection or flow.
fn opener(item: &Item) -> Option<Diagram> {
    let (tag, left, right, titles, initial) = match item {
        Item::Segment { ann, .. } => (
            format!("#{}", ann.conn?),
            ann.client,
            ann.server,
            ("client", "server"),
            Some(initial_states(ann.step)),
        ),
        Item::Datagram { d, note, .. } => (
            format!("u{}", note.flow),
            d.src,
            d.dst,
            ("sender", "receiver"),
            None,
        ),
        // A call before the connection's first segment (connect() before
        // its SYN): open the diagram from the call's own addresses.
        Item::Call(c) => {
            let (left, right) = c.ends?;
            let states = (TcpState::Closed, TcpState::Listen);
            (
                format!("#{}", c.conn?),
                left,
                right,
                ("client", "server"),
                Some(states),
            )
        }
        _ => return None,
    };
    Some(Diagram {
        tag,
        left,
        right,
        left_title: titles.0,
        right_title: titles.1,
        initial,
        rungs: Vec::new(),
        dropped: 0,
        caption: initial
            .is_none()
            .then(|| "UDP: no handshake, no teardown: each datagram stands alone".to_string()),
        last: initial.unwrap_or((TcpState::Closed, TcpState::Closed)),
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
        Item::Segment { seg, ann, .. } => {
            let mut label = seg.flags.label();
            label.push_str(&format!(" seq={}", ann.rel_seq));
            if seg.flags.has(TcpFlags::ACK) {
                label.push_str(&format!(" ack={}", ann.rel_ack));
            }
            if seg.payload_len > 0 {
                label.push_str(&format!(" len={}", seg.payload_len));
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
                dir: ann.dir,
                label,
                kind: Kind::of(ann.step),
                sender_state,
                receiver_state,
            })
        }
        Item::Datagram { d: dg, .. } => Some(Rung::Arrow {
            dir: if dg.src == d.left { Dir::C2S } else { Dir::S2C },
            label: format!("UDP len={}", dg.payload_len),
            kind: Kind::Datagram,
            sender_state: None,
            receiver_state: None,
        }),
        Item::Call(c) => Some(Rung::Call {
            side: c.side?,
            text: call_text(c),
        }),
        _ => None,
    }
}

/// States before the first segment seen: CLOSED/LISTEN when the capture saw
/// the SYN; unknown mid-stream starts are shown as ESTABLISHED.
fn initial_states(first: Step) -> (TcpState, TcpState) {
    match first {
        Step::Handshake1 => (TcpState::Closed, TcpState::Listen),
        _ => (TcpState::Established, TcpState::Established),
    }
}

/// `connect() ...`, `accept() -> new socket`, `recv() -> 6 bytes`.
fn call_text(c: &super::Call) -> String {
    match c.ev.phase {
        Phase::Enter => format!("{}() ...", c.ev.call),
        Phase::Return => {
            let short: String = c.ev.result.chars().take(18).collect();
            if short.is_empty() {
                format!("{}() returned", c.ev.call)
            } else {
                format!("{}() -> {short}", c.ev.call)
            }
        }
    }
}

/// Column widths of a terminal diagram.
#[derive(Clone, Copy, Debug)]
struct Cols {
    side: usize,
    middle: usize,
}

impl Cols {
    fn for_width(width: usize) -> Cols {
        let side = (width / 4).clamp(14, 24);
        let middle = width.saturating_sub(2 * side + 2 + 4).max(20);
        Cols { side, middle }
    }
}

fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn pad_left(s: &str, width: usize) -> String {
    let s = fit(s, width);
    format!("{}{s}", " ".repeat(width - s.chars().count()))
}

/// The header lines of one diagram.
pub fn header_lines(d: &Diagram, width: usize) -> Vec<String> {
    if width < MIN_WIDTH {
        return vec![format!(
            "{} {} {} ↔ {} {}",
            d.tag, d.left_title, d.left, d.right_title, d.right
        )];
    }
    let c = Cols::for_width(width);
    let left = format!("{} {}", d.left_title, d.left);
    let right = format!("{} {}", d.right_title, d.right);
    let total = 2 * c.side + c.middle + 2;
    let gap = total.saturating_sub(left.chars().count() + right.chars().count());
    let mut lines = vec![format!(
        "{:<4}{left}{}{right}",
        d.tag,
        " ".repeat(gap.max(1))
    )];
    if let Some((l, r)) = d.initial {
        lines.push(format!(
            "    {}│{}│ {}",
            pad_left(&format!("{} ", en::state(l)), c.side),
            " ".repeat(c.middle),
            en::state(r)
        ));
    }
    lines
}

/// The text lines of one rung (uncoloured, plus the colour of the arrow).
pub fn rung_lines(d: &Diagram, rung: &Rung, width: usize) -> (Vec<String>, Option<Kind>) {
    let tag = format!("{:<4}", d.tag);
    if width < MIN_WIDTH {
        let line = match rung {
            Rung::Arrow {
                dir, label, kind, ..
            } => {
                let a = match dir {
                    Dir::C2S => "──▶",
                    Dir::S2C => "◀──",
                };
                return (vec![format!("{tag}{a} {label}")], Some(*kind));
            }
            Rung::Call { side, text } => match side {
                Side::Client => format!("{tag}{text}"),
                Side::Server => format!("{tag}{:>w$}", text, w = width.saturating_sub(4)),
            },
        };
        return (vec![line], None);
    }
    let c = Cols::for_width(width);
    let m = c.middle;
    match rung {
        Rung::Call { side, text } => {
            let line = match side {
                Side::Client => format!(
                    "{tag}{}│{}│",
                    pad_left(&format!("{text} "), c.side),
                    " ".repeat(m)
                ),
                Side::Server => format!(
                    "{tag}{}│{}│ {}",
                    " ".repeat(c.side),
                    " ".repeat(m),
                    fit(text, c.side)
                ),
            };
            (vec![line], None)
        }
        Rung::Arrow {
            dir,
            label,
            kind,
            sender_state,
            receiver_state,
        } => {
            let label = fit(label, m.saturating_sub(6));
            let llen = label.chars().count();
            // The bend sits at the middle, or after a long label.
            let bend = (m / 2).max(llen + 4).min(m - 2);
            let st = |s: &Option<TcpState>| s.map(en::state).unwrap_or_default().to_string();
            match dir {
                Dir::C2S => {
                    let top = format!(
                        "── {label} {}┐{}",
                        "─".repeat(bend - llen - 4),
                        " ".repeat(m - bend - 1)
                    );
                    let bottom = format!("{}└{}▶", " ".repeat(bend), "─".repeat(m - bend - 2));
                    (
                        vec![
                            format!(
                                "{tag}{}│{top}│",
                                pad_left(&format!("{} ", st(sender_state)), c.side)
                            ),
                            format!(
                                "{tag}{}│{bottom}│ {}",
                                " ".repeat(c.side),
                                fit(&st(receiver_state), c.side)
                            ),
                        ],
                        Some(*kind),
                    )
                }
                Dir::S2C => {
                    let b = m - bend - 1;
                    let top = format!(
                        "{}┌{} {label} ──",
                        " ".repeat(b.saturating_sub(0)),
                        "─".repeat(m - b - llen - 5)
                    );
                    let bottom = format!("◀{}┘{}", "─".repeat(b - 1), " ".repeat(m - b - 1));
                    (
                        vec![
                            format!(
                                "{tag}{}│{top}│ {}",
                                " ".repeat(c.side),
                                fit(&st(sender_state), c.side)
                            ),
                            format!(
                                "{tag}{}│{bottom}│",
                                pad_left(&format!("{} ", st(receiver_state)), c.side)
                            ),
                        ],
                        Some(*kind),
                    )
                }
            }
        }
    }
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
    /// The diagram drawn last (live mode), to repeat its header on a switch.
    current: Option<String>,
    /// Print the summary table at the end (off when another renderer does).
    pub summary_table: bool,
}

impl<W: Write> LadderRender<W> {
    /// A ladder drawn in `mode`, of every connection or only of `conn`.
    pub fn new(out: W, style: Style, width: usize, mode: LadderMode, conn: Option<u64>) -> Self {
        LadderRender {
            out,
            style,
            width,
            mode,
            model: Ladder::new(mode != LadderMode::Live).only(conn),
            current: None,
            summary_table: true,
        }
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

    /// Draw one whole diagram (non-live modes, and tests).
    pub fn draw_diagram(&mut self, d: &Diagram) -> io::Result<()> {
        let head = header_lines(d, self.width);
        writeln!(self.out)?;
        for h in &head {
            writeln!(self.out, "{}", self.style.strong(h, Color::Cyan))?;
        }
        for r in &d.rungs {
            let (lines, kind) = rung_lines(d, r, self.width);
            self.draw_lines(&lines, kind)?;
        }
        if d.dropped > 0 {
            writeln!(self.out, "    ... {} more rungs not drawn", d.dropped)?;
        }
        if let Some(c) = &d.caption {
            writeln!(self.out, "{:<4}{}", d.tag, self.style.dim(c))?;
        }
        Ok(())
    }
}

/// What the ladder left out, in one line (`None` when nothing was).
pub fn left_out_line(left_out: u64) -> Option<String> {
    (left_out > 0).then(|| {
        format!(
            "... and {left_out} more connections or flows not drawn: a ladder keeps the first {MAX_DIAGRAMS}, as the summary table does; --conn N draws connection N"
        )
    })
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
        let Added::Rung { diagram, rung, new } = added else {
            return Ok(());
        };
        let head = (new || self.current.as_deref() != Some(diagram.tag.as_str()))
            .then(|| header_lines(diagram, width));
        let tag = diagram.tag.clone();
        let (lines, kind) = rung_lines(diagram, &rung, width);
        if let Some(head) = head {
            writeln!(self.out)?;
            for h in &head {
                writeln!(self.out, "{}", self.style.strong(h, Color::Cyan))?;
            }
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
                writeln!(self.out, "\n{line}")?;
            }
        }
        if self.summary_table {
            writeln!(self.out)?;
            table::write_summary(&mut self.out, end, self.style)?;
            table::write_totals(&mut self.out, &end.totals)?;
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
        let d = drawn.connection(1).unwrap();
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
