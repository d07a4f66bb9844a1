//! The ladder diagram as a standalone SVG file, for a projector or a report.
//!
//! One diagram per connection (or UDP flow), stacked, at most
//! [`MAX_DIAGRAMS`](super::ladder::MAX_DIAGRAMS) of them (a last line says
//! how many more there were); `--conn N` keeps only that one.
//! Rungs are spaced evenly in the order they happened (on loopback the real
//! gaps are microseconds and would draw as one line). Every segment is one
//! `<line class="arrow ...">` element, slanted from the sender's column down
//! to the receiver's.

use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;

use super::ladder::{left_out_line, Diagram, Ladder, Rung};
use super::{End, Item, Render};
use crate::i18n::en;
use crate::track::{Dir, Side};

/// Drawing geometry, in SVG user units (pixels).
mod geo {
    pub const WIDTH: f64 = 1100.0;
    pub const LEFT_X: f64 = 340.0;
    pub const RIGHT_X: f64 = 760.0;
    pub const HEADER: f64 = 70.0;
    pub const RUNG: f64 = 46.0;
    /// How far down the receiving end of an arrow is (the slant).
    pub const SLANT: f64 = 26.0;
    pub const CALL: f64 = 26.0;
    pub const GAP: f64 = 40.0;
    pub const FONT: f64 = 15.0;
    /// Longest call text drawn beside a column.
    pub const CALL_CHARS: usize = 36;
    /// The line at the bottom saying what was left out.
    pub const NOTE: f64 = 40.0;
}

const STYLE: &str = r#"<style>
  text { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 15px; fill: #1a1a1a; }
  .title { font-size: 18px; font-weight: bold; }
  .lifeline { stroke: #555; stroke-width: 2; }
  .arrow { stroke-width: 2.2; fill: none; }
  .handshake { stroke: #1b7f3b; } text.handshake { fill: #1b7f3b; stroke: none; }
  .data { stroke: #1f4e9c; } text.data { fill: #1f4e9c; stroke: none; }
  .ack { stroke: #555; } text.ack { fill: #555; stroke: none; }
  .teardown { stroke: #b36b00; } text.teardown { fill: #b36b00; stroke: none; }
  .reset { stroke: #c0152f; } text.reset { fill: #c0152f; stroke: none; }
  .retransmission { stroke: #8e24aa; stroke-dasharray: 6 4; } text.retransmission { fill: #8e24aa; stroke: none; }
  .datagram { stroke: #00838f; } text.datagram { fill: #00838f; stroke: none; }
  .other { stroke: #777; } text.other { fill: #777; stroke: none; }
  text.label { paint-order: stroke; stroke: white; stroke-width: 5px; stroke-linejoin: round; }
  .state { font-weight: bold; fill: #333; }
  .call { fill: #0d47a1; font-style: italic; }
  .caption { font-weight: bold; fill: #333; }
</style>"#;

/// Escape text for XML.
fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

/// Cut `s` to `max` characters with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

fn height_of(d: &Diagram) -> f64 {
    let body: f64 = d
        .rungs
        .iter()
        .map(|r| match r {
            Rung::Arrow { .. } => geo::RUNG,
            Rung::Call { .. } => geo::CALL,
        })
        .sum();
    geo::HEADER + body + geo::GAP + if d.caption.is_some() { 30.0 } else { 0.0 }
}

/// Draw diagrams into one SVG document, with a last line saying how many
/// connections or flows were `left_out` (none drawn when 0).
pub fn svg<'a>(diagrams: impl IntoIterator<Item = &'a Diagram>, left_out: u64) -> String {
    use geo::*;
    let diagrams: Vec<&Diagram> = diagrams.into_iter().collect();
    let note = left_out_line(left_out);
    let total: f64 = diagrams
        .iter()
        .map(|d| height_of(d))
        .sum::<f64>()
        .max(120.0)
        + if note.is_some() { NOTE } else { 0.0 };
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{total}" viewBox="0 0 {WIDTH} {total}">
{STYLE}
<defs>
  <marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" orient="auto-start-reverse">
    <path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/>
  </marker>
</defs>
<rect width="100%" height="100%" fill="white"/>"#
    );
    if diagrams.is_empty() {
        let _ = writeln!(
            s,
            r#"<text x="20" y="60">No connection or datagram was captured.</text>"#
        );
    }
    let mut y0 = 0.0;
    for d in diagrams {
        let h = height_of(d);
        let _ = writeln!(s, r#"<g class="diagram" id="{}">"#, xml(&d.tag));
        let _ = writeln!(
            s,
            r#"<text class="title" x="20" y="{}">{}</text>"#,
            y0 + 24.0,
            xml(&d.tag)
        );
        let _ = writeln!(
            s,
            r#"<text class="title" x="{LEFT_X}" y="{}" text-anchor="middle">{} {}</text>"#,
            y0 + 24.0,
            d.left_title,
            d.left
        );
        let _ = writeln!(
            s,
            r#"<text class="title" x="{RIGHT_X}" y="{}" text-anchor="middle">{} {}</text>"#,
            y0 + 24.0,
            d.right_title,
            d.right
        );
        if let Some(c) = &d.caption {
            let _ = writeln!(
                s,
                r#"<text class="caption" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                (LEFT_X + RIGHT_X) / 2.0,
                y0 + h - GAP / 2.0 - 4.0,
                xml(c)
            );
        }
        let top = y0 + 36.0;
        let bottom = y0 + h - GAP / 2.0 - if d.caption.is_some() { 30.0 } else { 0.0 };
        for x in [LEFT_X, RIGHT_X] {
            let _ = writeln!(
                s,
                r#"<line class="lifeline" x1="{x}" y1="{top}" x2="{x}" y2="{bottom}"/>"#
            );
        }
        if let Some((l, r)) = d.initial {
            let _ = writeln!(
                s,
                r#"<text class="state" x="{}" y="{}" text-anchor="end">{}</text>"#,
                LEFT_X - 8.0,
                y0 + 54.0,
                en::state(l)
            );
            let _ = writeln!(
                s,
                r#"<text class="state" x="{}" y="{}">{}</text>"#,
                RIGHT_X + 8.0,
                y0 + 54.0,
                en::state(r)
            );
        }
        let mut y = y0 + HEADER;
        for r in &d.rungs {
            match r {
                Rung::Call { side, text } => {
                    let (x, anchor) = match side {
                        Side::Client => (LEFT_X - 10.0, "end"),
                        Side::Server => (RIGHT_X + 10.0, "start"),
                    };
                    let _ = writeln!(
                        s,
                        r#"<text class="call" x="{x}" y="{}" text-anchor="{anchor}">{}</text>"#,
                        y + FONT,
                        xml(&shorten(text, CALL_CHARS))
                    );
                    y += CALL;
                }
                Rung::Arrow {
                    dir,
                    label,
                    kind,
                    sender_state,
                    receiver_state,
                } => {
                    let (x1, x2) = match dir {
                        Dir::C2S => (LEFT_X, RIGHT_X),
                        Dir::S2C => (RIGHT_X, LEFT_X),
                    };
                    let (ya, yb) = (y + 8.0, y + 8.0 + SLANT);
                    let c = kind.class();
                    let _ = writeln!(
                        s,
                        r#"<line class="arrow {c}" x1="{x1}" y1="{ya}" x2="{x2}" y2="{yb}" marker-end="url(#head)"/>"#
                    );
                    // The label runs parallel to its arrow, just above it.
                    let (cx, cy) = ((LEFT_X + RIGHT_X) / 2.0, (ya + yb) / 2.0);
                    let angle = (SLANT / (x2 - x1)).atan().to_degrees();
                    let _ = writeln!(
                        s,
                        r#"<text class="label {c}" x="{cx}" y="{}" text-anchor="middle" transform="rotate({angle:.2} {cx} {cy})">{}</text>"#,
                        cy - 6.0,
                        xml(label)
                    );
                    let side_text = |x: f64, yy: f64, state: &str, sender_left: bool| {
                        let (tx, anchor) = if sender_left {
                            (x - 8.0, "end")
                        } else {
                            (x + 8.0, "start")
                        };
                        format!(
                            r#"<text class="state" x="{tx}" y="{}" text-anchor="{anchor}">{state}</text>"#,
                            yy + 5.0
                        )
                    };
                    if let Some(st) = sender_state {
                        let _ = writeln!(s, "{}", side_text(x1, ya, en::state(*st), x1 < x2));
                    }
                    if let Some(st) = receiver_state {
                        let _ = writeln!(s, "{}", side_text(x2, yb, en::state(*st), x2 < x1));
                    }
                    y += RUNG;
                }
            }
        }
        if d.dropped > 0 {
            let _ = writeln!(
                s,
                r#"<text x="20" y="{}">... {} more rungs not drawn</text>"#,
                y + 10.0,
                d.dropped
            );
        }
        let _ = writeln!(s, "</g>");
        y0 += h;
    }
    if let Some(note) = note {
        let _ = writeln!(
            s,
            r#"<text class="caption" x="20" y="{}">{}</text>"#,
            y0 + NOTE / 2.0,
            xml(&note)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// Collects the ladder while the capture runs and writes the SVG at the end.
pub struct SvgCollector {
    path: PathBuf,
    conn: Option<u64>,
    model: Ladder,
}

impl SvgCollector {
    /// Write to `path`; only connection `conn` when given.
    pub fn new(path: PathBuf, conn: Option<u64>) -> Self {
        SvgCollector {
            path,
            conn,
            model: Ladder::new(true).only(conn),
        }
    }
}

impl Render for SvgCollector {
    fn item(&mut self, item: &Item) -> io::Result<()> {
        self.model.add(item);
        Ok(())
    }

    fn end(&mut self, _end: &End) -> io::Result<()> {
        let doc = match self.conn {
            Some(n) => match self.model.connection(n) {
                Some(d) => svg([d], 0),
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::NotFound,
                        format!(
                            "--conn {n}: no connection #{n} in this capture; the summary table lists the numbers"
                        ),
                    ))
                }
            },
            None => svg(self.model.diagrams(), self.model.left_out()),
        };
        std::fs::write(&self.path, doc).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot write {}: {e}", self.path.display()),
            )
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
