//! The annotated text view: one line per packet, one line of explanation.
//!
//! ```text
//!   0.000000 #1 127.0.0.1:53312 ───SYN────────▶ 127.0.0.1:5000  seq 0 [3476521]  win 65495  [mss 65495,sackOK,TS,wscale 7]
//!            handshake-1  The client asks to open a connection...   client SYN-SENT · server SYN-RECEIVED
//! ```
//! The client (the side that sent the SYN) is always on the left.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::Duration;

use colored::Color;

use super::settle::Settle;
use super::{
    handshake_word, relation_text, side_word, since, table, teardown_word, Call, End, Item, Render,
    Style,
};
use crate::escape::{escape_max, escape_max_into};
use crate::events::Phase;
use crate::i18n::{facts, Lang};
use crate::t;
use crate::textbuf::{push_secs_micros, push_u32, push_u64, AddrCache};
use crate::timeline::Source;
use crate::track::{Annotation, Dir, Inferred, Label, Note, Step, TcpState};
use crate::wire::{Segment, TcpFlags};

/// How many payload characters the preview shows.
const PREVIEW_CHARS: usize = 24;
/// Width of the arrow between the two addresses (flags written inside).
const ARROW: usize = 15;
/// Width of the time column (`{:>10}`).
const TIME_WIDTH: usize = 10;
/// One arrow per combination of the eight flags and each direction.
const ARROWS: usize = 256 * 2;
/// Indentation of the explanation line (under the addresses).
const INDENT: &str = "           ";

/// The annotated text renderer.
pub struct TextRender<W: Write> {
    out: W,
    /// The lines of one item, reused from item to item.
    line: String,
    /// The arrows drawn so far, by flags and direction (see `arrow_for`).
    arrows: Vec<Option<String>>,
    /// The states' words drawn so far, by language and pair of states.
    states: Vec<((Lang, TcpState, TcpState), String)>,
    /// The last addresses written.
    addrs: AddrCache,
    style: Style,
    start: Option<Duration>,
    /// Lines held until the wire settles the states they show.
    settle: Settle,
    /// Print the end-of-capture table (off for `--ladder`, which prints its own).
    pub summary_table: bool,
    /// The terminal's width, which the summary table keeps within.
    pub width: usize,
    /// More lines after each item's own (`-v`: its header fields).
    pub after_item: Option<AfterItem>,
}

/// What [`TextRender::after_item`] holds: the lines to add after an item's.
pub type AfterItem = Box<dyn FnMut(&Item) -> String>;

impl<W: Write> TextRender<W> {
    /// A renderer writing to `out`.
    pub fn new(out: W, style: Style) -> Self {
        TextRender {
            out,
            line: String::with_capacity(512),
            arrows: vec![None; ARROWS],
            states: Vec::new(),
            addrs: AddrCache::default(),
            style,
            start: None,
            settle: Settle::default(),
            summary_table: true,
            width: super::DEFAULT_WIDTH,
            after_item: None,
        }
    }

    fn time(&mut self, t: Duration) -> String {
        let start = *self.start.get_or_insert(t);
        format!("{:>10}", since(start, t))
    }

    /// The time column of a line, `{:>10}` of [`since`], into `line`.
    fn push_time(&mut self, line: &mut String, t: Duration) {
        let start = *self.start.get_or_insert(t);
        let from = line.len();
        push_secs_micros(line, t.saturating_sub(start));
        let width = line.len() - from;
        if width < TIME_WIDTH {
            line.insert_str(from, &" ".repeat(TIME_WIDTH - width));
        }
    }

    /// The arrow of a segment with these flags going this way (drawn once).
    fn arrow_for(&mut self, flags: TcpFlags, dir: Dir) -> &str {
        let i = usize::from(flags.0) * 2 + usize::from(dir == Dir::S2C);
        self.arrows[i].get_or_insert_with(|| arrow(&flags.label(), dir))
    }

    /// `client ESTABLISHED · server ESTABLISHED`: a Fluent message, made
    /// once per pair of states and language (formatting one costs about a
    /// microsecond, as much as the rest of the line).
    fn states_words(&mut self, client: TcpState, server: TcpState) -> &str {
        let key = (crate::i18n::lang(), client, server);
        let i = match self.states.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                let words = t!(
                    "capture-states",
                    client = facts::state(client),
                    server = facts::state(server)
                );
                self.states.push((key, words));
                self.states.len() - 1
            }
        };
        &self.states[i].1
    }

    /// A segment's two lines, written into one reused buffer without
    /// `format!`: this runs for nearly every packet of a file.
    fn segment(
        &mut self,
        t: Duration,
        seg: &Segment,
        ann: &Annotation,
        unsettled: Option<&Inferred>,
    ) -> io::Result<()> {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        let s = self.style;
        let flag_color = flag_color(ann);
        self.push_time(&mut line, t);
        line.push(' ');
        let from = line.len();
        line.push('#');
        match ann.conn {
            Some(c) => push_u64(&mut line, c),
            None => line.push('-'),
        }
        paint_tail(s, &mut line, from, Color::Cyan, Paint::Plain);
        line.push(' ');
        self.addrs.push(&mut line, &ann.client);
        line.push(' ');
        let from = line.len();
        line.push_str(self.arrow_for(seg.flags, ann.dir));
        paint_tail(s, &mut line, from, flag_color, Paint::Strong);
        line.push(' ');
        self.addrs.push(&mut line, &ann.server);
        line.push_str("  seq ");
        push_u32(&mut line, ann.rel_seq);
        line.push_str(" [");
        push_u32(&mut line, seg.seq.0);
        line.push(']');
        if seg.flags.has(TcpFlags::ACK) {
            line.push_str("  ack ");
            push_u32(&mut line, ann.rel_ack);
            line.push_str(" [");
            push_u32(&mut line, seg.ack.0);
            line.push(']');
        }
        line.push_str("  win ");
        push_u32(&mut line, u32::from(seg.window));
        if seg.payload_len > 0 {
            line.push_str("  len ");
            push_u32(&mut line, seg.payload_len);
            line.push(' ');
            let from = line.len();
            line.push('"');
            escape_max_into(&mut line, &seg.preview, PREVIEW_CHARS);
            line.push('"');
            paint_tail(s, &mut line, from, Color::Yellow, Paint::Plain);
        }
        if seg.flags.has(TcpFlags::SYN) {
            line.push_str("  [");
            line.push_str(&facts::options(&seg.options, facts::Options::Terse));
            line.push(']');
        }
        line.push('\n');

        line.push_str(INDENT);
        let from = line.len();
        line.push_str(ann.step.as_str());
        paint_tail(s, &mut line, from, flag_color, Paint::Strong);
        for l in &ann.labels {
            // The SYN's options are already on the segment's own line. The
            // kernel agreeing is no news (and a line must read the same
            // whether or not capture could trace the kernel): only --json
            // carries it.
            if matches!(l, Label::SynOptions(_) | Label::KernelConfirmed) {
                continue;
            }
            line.push(' ');
            let from = line.len();
            let _ = write!(line, "[{l}]");
            paint_tail(s, &mut line, from, Color::Magenta, Paint::Plain);
        }
        line.push_str("  ");
        facts::annotation_into(&mut line, ann);
        if let Some(i) = unsettled {
            line.push(' ');
            facts::note_into(&mut line, &Note::Inferred(*i));
        }
        line.push_str("  ");
        let from = line.len();
        line.push_str(self.states_words(ann.client_state, ann.server_state));
        paint_tail(s, &mut line, from, Color::White, Paint::Dim);
        line.push('\n');
        let done = self.out.write_all(line.as_bytes());
        self.line = line;
        done
    }

    fn call(&mut self, c: &Call) -> io::Result<()> {
        let time = self.time(c.ev.t);
        let s = self.style;
        let who = c.ev.who();
        let mut text = call_words(c);
        if let Some(r) = &c.relation {
            text.push_str("  ");
            text.push_str(&relation_text(r));
        }
        if let Some(spread) = &c.spread {
            text.push_str("  ");
            text.push_str(&crate::i18n::facts::spread(spread));
        }
        let conn = c
            .conversation()
            .map(|k| format!(" {}", k.tag()))
            .unwrap_or_default();
        writeln!(
            self.out,
            "{time}{} {} {}",
            s.paint(&conn, Color::Cyan),
            s.strong(&format!("{who}:"), Color::Blue),
            s.paint(&text, Color::Blue)
        )
    }
}

/// `connect() ...`, `send() 5 bytes ...`, `accept() -> new socket for
/// 127.0.0.1:53312`: a call and what it returned, as its source words it
/// (a lab program's event its own way; the kernel's record through
/// [`facts::kernel_call`]), in the process's language.
pub fn call_words(c: &Call) -> String {
    if let (Source::Kernel, Some(k)) = (c.source, c.kernel.as_deref()) {
        return facts::kernel_call(k);
    }
    let mut text = format!("{}()", c.ev.call);
    match c.ev.phase {
        Phase::Enter => text.push_str(" ..."),
        Phase::Return if !c.ev.result.is_empty() => {
            text.push_str(" -> ");
            text.push_str(&facts::event_result(&c.ev));
        }
        Phase::Return => {
            text.push(' ');
            text.push_str(&t!("capture-call-returned"));
        }
    }
    text
}

/// `───SYN────────▶` or `◀──SYN-ACK─────`, [`ARROW`] characters wide.
pub fn arrow(label: &str, dir: Dir) -> String {
    let inner = ARROW.saturating_sub(label.chars().count() + 4);
    match dir {
        Dir::C2S => format!("──{label}{}─▶", "─".repeat(inner)),
        Dir::S2C => format!("◀─{}{label}──", "─".repeat(inner)),
    }
}

/// How [`paint_tail`] paints.
#[derive(Clone, Copy)]
enum Paint {
    Plain,
    Strong,
    Dim,
}

/// Paint what `line` holds from byte `from` on, when colour is on: the
/// same as painting that text before writing it, without a `String` for
/// it when colour is off.
fn paint_tail(s: Style, line: &mut String, from: usize, c: Color, how: Paint) {
    if !s.color {
        return;
    }
    let raw = line.split_off(from);
    let painted = match how {
        Paint::Plain => s.paint(&raw, c),
        Paint::Strong => s.strong(&raw, c),
        Paint::Dim => s.dim(&raw),
    };
    line.push_str(&painted);
}

fn flag_color(ann: &Annotation) -> Color {
    match ann.step {
        Step::Handshake1 | Step::Handshake2 | Step::Handshake3 => Color::Green,
        Step::Teardown1 | Step::Teardown2 | Step::Teardown3 | Step::Teardown4 => Color::Yellow,
        Step::Reset => Color::Red,
        Step::Retransmission => Color::Magenta,
        _ => Color::White,
    }
}

impl<W: Write> TextRender<W> {
    /// Draw one item now (it has left the [`Settle`] queue), and what
    /// [`TextRender::after_item`] adds to it.
    fn draw(&mut self, item: &Item, unsettled: Option<&Inferred>) -> io::Result<()> {
        self.draw_own(item, unsettled)?;
        if let Some(more) = self.after_item.as_mut() {
            self.out.write_all(more(item).as_bytes())?;
        }
        Ok(())
    }

    fn draw_own(&mut self, item: &Item, unsettled: Option<&Inferred>) -> io::Result<()> {
        let s = self.style;
        match item {
            Item::Segment { t, seg, ann, .. } => self.segment(*t, seg, ann, unsettled),
            Item::Datagram { t, d, note, .. } => {
                let time = self.time(*t);
                let mut line = format!(
                    "{time} {} {} {} {}  len {}",
                    s.paint(&format!("u{}", note.flow), Color::Cyan),
                    d.src,
                    s.strong(&arrow("UDP", Dir::C2S), Color::Cyan),
                    d.dst,
                    d.payload_len
                );
                if d.payload_len > 0 {
                    line.push(' ');
                    line.push_str(&s.paint(
                        &format!("\"{}\"", escape_max(&d.preview, PREVIEW_CHARS)),
                        Color::Yellow,
                    ));
                }
                writeln!(self.out, "{line}")?;
                writeln!(
                    self.out,
                    "{INDENT}{}  {}",
                    s.strong("udp", Color::Cyan),
                    facts::udp(&note.note)
                )
            }
            Item::Other { t, what, .. } => {
                let time = self.time(*t);
                writeln!(
                    self.out,
                    "{time} {} {what}",
                    s.dim(&t!("capture-tag-other"))
                )
            }
            Item::Bad { t, err } => {
                let time = self.time(*t);
                writeln!(
                    self.out,
                    "{time} {}",
                    s.paint(&facts::decode_error(err), Color::Red)
                )
            }
            Item::Call(c) => self.call(c),
            // The kernel's states are told where they differ from the
            // wire, on the segment's own line.
            Item::Kernel(_) => Ok(()),
            // A drop this capture could not see (the frame was coming here).
            Item::Link(l) if !l.seen => {
                let time = self.time(l.ev.t);
                let conn = l.conn.map(|n| format!(" #{n}")).unwrap_or_default();
                writeln!(
                    self.out,
                    "{time}{} {} {}",
                    s.paint(&conn, Color::Cyan),
                    s.strong("link:", Color::Red),
                    crate::i18n::facts::link_unseen(&l.ev)
                )
            }
            Item::Link(_) => Ok(()),
            Item::Connection(sum) => {
                let closed = match sum.closed_by {
                    Some(side) => format!(", {}", t!("capture-closed-by", side = side_word(side))),
                    None => String::new(),
                };
                let mut trouble = String::new();
                if sum.retransmissions > 0 {
                    let n = sum.retransmissions;
                    let _ = write!(trouble, ", {}", t!("capture-retransmissions", n = n));
                }
                if sum.dup_acks > 0 {
                    let _ = write!(trouble, ", {}", t!("capture-dup-acks", n = sum.dup_acks));
                }
                let line = t!(
                    "capture-connection-end",
                    conn = sum.conn,
                    client = sum.client.to_string(),
                    server = sum.server.to_string(),
                    handshake = handshake_word(sum.handshake),
                    teardown = teardown_word(sum.teardown),
                    closed = closed,
                    segments = sum.segments,
                    trouble = trouble
                );
                writeln!(
                    self.out,
                    "{INDENT}{} {line}",
                    s.strong(&t!("capture-tag-end"), Color::Cyan),
                )
            }
        }
    }
}

impl<W: Write> Render for TextRender<W> {
    fn item(&mut self, item: &Item) -> io::Result<()> {
        let mut settle = std::mem::take(&mut self.settle);
        let done = settle.push(item, &mut |it, unsettled| self.draw(it, unsettled));
        self.settle = settle;
        done
    }

    fn end(&mut self, end: &End) -> io::Result<()> {
        self.drain()?;
        if self.summary_table {
            writeln!(self.out)?;
            table::write_summary(&mut self.out, end, self.style, self.width)?;
        }
        table::write_totals(&mut self.out, &end.totals, self.width)?;
        self.out.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
        self.out.flush()
    }
}

impl<W: Write> TextRender<W> {
    fn drain(&mut self) -> io::Result<()> {
        let mut settle = std::mem::take(&mut self.settle);
        let done = settle.drain(&mut |it, unsettled| self.draw(it, unsettled));
        self.settle = settle;
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_point_from_sender_and_keep_their_width() {
        assert_eq!(arrow("SYN", Dir::C2S), "──SYN─────────▶");
        assert_eq!(arrow("SYN-ACK", Dir::S2C), "◀─────SYN-ACK──");
        assert_eq!(arrow("SYN", Dir::C2S).chars().count(), ARROW);
        assert_eq!(arrow("SYN-ACK", Dir::S2C).chars().count(), ARROW);
    }
}
