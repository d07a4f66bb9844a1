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
use crate::escape::escape_max;
use crate::events::Phase;
use crate::i18n::facts;
use crate::t;
use crate::timeline::Source;
use crate::track::{Annotation, Dir, Inferred, Label, Note, Step};
use crate::wire::Segment;

/// How many payload characters the preview shows.
const PREVIEW_CHARS: usize = 24;
/// Width of the arrow between the two addresses (flags written inside).
const ARROW: usize = 15;
/// Indentation of the explanation line (under the addresses).
const INDENT: &str = "           ";

/// The annotated text renderer.
pub struct TextRender<W: Write> {
    out: W,
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

    fn segment(
        &mut self,
        t: Duration,
        seg: &Segment,
        ann: &Annotation,
        unsettled: Option<&Inferred>,
    ) -> io::Result<()> {
        let time = self.time(t);
        let s = self.style;
        let label = seg.flags.label();
        let arrow = arrow(&label, ann.dir);
        let flag_color = flag_color(ann);
        let conn = match ann.conn {
            Some(c) => format!("#{c}"),
            None => "#-".to_string(),
        };
        let mut line = String::with_capacity(160);
        let _ = write!(
            line,
            "{time} {} {} {} {}  seq {} [{}]",
            s.paint(&conn, Color::Cyan),
            ann.client,
            s.strong(&arrow, flag_color),
            ann.server,
            ann.rel_seq,
            seg.seq.0,
        );
        if seg.flags.has(crate::wire::TcpFlags::ACK) {
            let _ = write!(line, "  ack {} [{}]", ann.rel_ack, seg.ack.0);
        }
        let _ = write!(line, "  win {}", seg.window);
        if seg.payload_len > 0 {
            let _ = write!(
                line,
                "  len {} {}",
                seg.payload_len,
                s.paint(
                    &format!("\"{}\"", escape_max(&seg.preview, PREVIEW_CHARS)),
                    Color::Yellow
                )
            );
        }
        if seg.flags.has(crate::wire::TcpFlags::SYN) {
            let _ = write!(
                line,
                "  [{}]",
                facts::options(&seg.options, facts::Options::Terse)
            );
        }
        writeln!(self.out, "{line}")?;

        let mut note = String::with_capacity(160);
        let _ = write!(note, "{INDENT}{}", s.strong(ann.step.as_str(), flag_color));
        for l in &ann.labels {
            // The SYN's options are already on the segment's own line. The
            // kernel agreeing is no news (and a line must read the same
            // whether or not capture could trace the kernel): only --json
            // carries it.
            if matches!(l, Label::SynOptions(_) | Label::KernelConfirmed) {
                continue;
            }
            let _ = write!(note, " {}", s.paint(&format!("[{l}]"), Color::Magenta));
        }
        let mut words = facts::annotation(ann);
        if let Some(i) = unsettled {
            words.push(' ');
            words.push_str(&facts::note(&Note::Inferred(*i)));
        }
        let _ = write!(
            note,
            "  {}  {}",
            words,
            s.dim(&t!(
                "capture-states",
                client = facts::state(ann.client_state),
                server = facts::state(ann.server_state)
            ))
        );
        writeln!(self.out, "{note}")
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
