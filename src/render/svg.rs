//! The ladder diagram as a standalone SVG file, for a projector or a report.
//!
//! One diagram per connection (or UDP flow), stacked, at most
//! [`MAX_DIAGRAMS`](super::ladder::MAX_DIAGRAMS) of them (a last line says
//! how many more there were); `--conn N` keeps only that one. Every
//! segment is one `<line class="arrow ...">` element, slanted from the
//! sender's column down to the receiver's, with its label above it and
//! its time (seconds since the capture's first packet, as the text view
//! writes it) below its start.
//!
//! **Time.** By default rungs are spaced evenly in the order they happened
//! (on loopback the real gaps are microseconds and would draw as one
//! line). With a time scale ([`Svg::time_scale`], `--time-scale`), each
//! rung still takes its own room, and the time since the previous one
//! adds [`PX_PER_ROW`] pixels per step of the scale (1 px per ms by
//! default): a delayed ACK 40 ms after its data sits 40 px lower than one
//! sent at once, a 300 ms wait is 300 px of empty ladder. A gap that would
//! take more than [`MAX_GAP_PX`] is cut: it is drawn [`BREAK_PX`] tall,
//! with `≈` across both lifelines and its real duration written in it.
//!
//! **Bulk data.** A run of at least [`MIN_RUN`] data segments and ACKs
//! that change no state keeps its first and last [`RUN_EDGE`] arrows and
//! becomes one labelled band in between ("… 120 data segments client →
//! server, seq 2,897–173,761 …"), so a long transfer fits a slide. The
//! first loss is always drawn in full (its duplicate ACKs up to the
//! retransmission that repairs it); later ones may go into a band, which
//! then counts them ("12 of them retransmissions", "9 duplicate").
//! [`Svg::all_segments`] draws every segment.
//!
//! **Labels** are never cut: a call or a caption wraps onto more lines;
//! past [`MAX_LINES`] lines it is shortened with `…` and its full text is
//! in a `<title>` (the tooltip a browser shows). Every arrow has a
//! `<title>` with its time and full label too.

use std::fmt::Write as _;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use super::ladder::{left_out_line, Diagram, Kind, Ladder, Rung};
use super::wrap::wrap;
use super::{human_duration, since, End, Item, Render};
use crate::i18n::facts;
use crate::t;
use crate::track::{Dir, Side};

/// Drawing geometry, in SVG user units (pixels).
mod geo {
    pub const WIDTH: f64 = 1200.0;
    pub const LEFT_X: f64 = 400.0;
    pub const RIGHT_X: f64 = 800.0;
    pub const HEADER: f64 = 70.0;
    pub const RUNG: f64 = 46.0;
    /// How far down the receiving end of an arrow is (the slant).
    pub const SLANT: f64 = 26.0;
    pub const CALL: f64 = 26.0;
    /// Each line of a call or a caption after its first.
    pub const LINE: f64 = 18.0;
    pub const GAP: f64 = 40.0;
    pub const FONT: f64 = 15.0;
    /// Characters of the 15 px monospace font that fit beside a lifeline
    /// (about 9 px each, with a margin).
    pub const SIDE_CHARS: usize = 40;
    /// Characters of an arrow's label between the lifelines.
    pub const LABEL_CHARS: usize = 42;
    /// Characters of a caption across the drawing.
    pub const CAPTION_CHARS: usize = 120;
    /// The line at the bottom saying what was left out.
    pub const NOTE: f64 = 40.0;
    /// A band standing for a run of bulk data.
    pub const BAND: f64 = 66.0;
    /// The width of a character of the 15 px monospace font.
    pub const CHAR: f64 = 9.1;
    /// The line under the title saying how time is drawn.
    pub const SCALE_NOTE: f64 = 22.0;
}

/// With a time scale: pixels for each step of the scale (a terminal row).
pub const PX_PER_ROW: f64 = 10.0;
/// With a time scale: the most pixels one gap takes to scale; a longer one
/// is cut and marked.
pub const MAX_GAP_PX: f64 = 360.0;
/// The height of a cut gap.
pub const BREAK_PX: f64 = 44.0;
/// The fewest condensable arrows in a row drawn as a band.
pub const MIN_RUN: usize = 8;
/// With a time scale: a gap this tall (in pixels) ends a run of bulk data.
pub const RUN_GAP_PX: f64 = 20.0;
/// Arrows kept at each end of a condensed run (what the band is made of).
pub const RUN_EDGE: usize = 1;
/// Rungs of the first loss drawn in full before the retransmission that
/// repairs it (the last duplicate ACKs that asked for it).
pub const EPISODE: usize = 6;
/// Most lines a call or a caption takes before it is shortened (its full
/// text then goes into a `<title>`).
pub const MAX_LINES: usize = 3;

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
  .icmp { stroke: #c0152f; stroke-dasharray: 2 3; } text.icmp { fill: #c0152f; stroke: none; }
  .other { stroke: #777; } text.other { fill: #777; stroke: none; }
  text.label { paint-order: stroke; stroke: white; stroke-width: 5px; stroke-linejoin: round; }
  text.time { font-size: 12px; fill: #666; }
  .state { font-weight: bold; fill: #333; }
  .call { fill: #0d47a1; font-style: italic; }
  .caption { font-weight: bold; fill: #333; }
  .band rect { fill: #eef3fb; stroke: #1f4e9c; stroke-dasharray: 5 4; }
  .band text { fill: #1f4e9c; }
  .break rect { fill: white; }
  .break text { fill: #666; font-size: 14px; }
  .break text.mark { font-size: 26px; font-weight: bold; }
  .scale { font-size: 13px; fill: #666; }
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

/// `s` on at most [`MAX_LINES`] lines of `chars`; whether it was
/// shortened (the last line then ends with `…`).
fn lines_of(s: &str, chars: usize) -> (Vec<String>, bool) {
    let mut lines = wrap(s, chars);
    if lines.len() <= MAX_LINES {
        return (lines, false);
    }
    lines.truncate(MAX_LINES);
    if let Some(last) = lines.last_mut() {
        let keep: String = last.chars().take(chars.saturating_sub(1)).collect();
        *last = format!("{keep}…");
    }
    (lines, true)
}

/// `173761` as `173,761` (`173.761` in Portuguese, whose decimal
/// separator is the comma).
fn thousands(n: u64) -> String {
    let sep = match crate::i18n::lang().decimal_separator() {
        ',' => '.',
        _ => ',',
    };
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// What a diagram draws, rung by rung: the rungs themselves, or a band
/// for a run of bulk data.
enum Piece<'a> {
    Rung(&'a Rung),
    Band(Band),
}

/// Counts of one direction inside a band.
#[derive(Clone, Copy, Debug, Default)]
struct Way {
    data: u64,
    retransmissions: u64,
    /// The sequence range the data covered.
    lo: u32,
    hi: u64,
    acks: u64,
    dup_acks: u64,
}

/// A condensed run of bulk data: data segments, ACKs, and the
/// retransmissions and duplicate ACKs of losses after the first.
struct Band {
    first: Duration,
    last: Duration,
    /// Left to right, right to left.
    ways: [Way; 2],
}

impl Band {
    fn of(rungs: &[Rung]) -> Band {
        let mut b = Band {
            first: rungs.first().map(Rung::t).unwrap_or_default(),
            last: rungs.last().map(Rung::t).unwrap_or_default(),
            ways: [Way {
                lo: u32::MAX,
                ..Way::default()
            }; 2],
        };
        for r in rungs {
            if let Rung::Arrow {
                dir,
                seq,
                len,
                kind,
                dup_ack,
                ..
            } = r
            {
                let w = &mut b.ways[usize::from(*dir == Dir::S2C)];
                if *len > 0 {
                    w.data += 1;
                    w.retransmissions += u64::from(*kind == Kind::Retransmission);
                    w.lo = w.lo.min(*seq);
                    w.hi = w.hi.max(u64::from(*seq) + u64::from(*len));
                } else {
                    w.acks += 1;
                    w.dup_acks += u64::from(*dup_ack);
                }
            }
        }
        b
    }

    /// Its two lines of text: the data, then the ACKs and how long.
    fn text(&self, d: &Diagram) -> (String, String) {
        let way = |i: usize| {
            if i == 0 {
                format!("{} → {}", d.left_title, d.right_title)
            } else {
                format!("{} → {}", d.right_title, d.left_title)
            }
        };
        let mut data = Vec::new();
        let mut acks = Vec::new();
        for (i, w) in self.ways.iter().enumerate() {
            if w.data > 0 {
                let again = match w.retransmissions {
                    0 => String::new(),
                    n => t!("capture-band-data-again", n = n),
                };
                data.push(t!(
                    "capture-band-data",
                    n = w.data,
                    way = way(i),
                    lo = thousands(u64::from(w.lo)),
                    hi = thousands(w.hi),
                    again = again
                ));
            }
            if w.acks > 0 {
                let dup = match w.dup_acks {
                    0 => String::new(),
                    n => t!("capture-band-dup", n = n),
                };
                acks.push(t!("capture-band-acks", n = w.acks, way = way(i), dup = dup));
            }
        }
        let took = t!(
            "capture-band-took",
            duration = human_duration(self.last.saturating_sub(self.first))
        );
        if data.is_empty() {
            // Only ACKs: they are the first line.
            return (format!("… {} …", acks.join(", ")), took);
        }
        acks.push(took);
        (format!("… {} …", data.join("; ")), acks.join(", "))
    }
}

/// An arrow that a band may hold: data, an ACK, a data retransmission or
/// a duplicate ACK, changing no state. Calls in between (`recv()` in a
/// loop) go with them.
fn condensable(r: &Rung) -> bool {
    match r {
        Rung::Call { .. } => true,
        Rung::Arrow {
            kind,
            len,
            sender_state: None,
            receiver_state: None,
            routine,
            dup_ack,
            ..
        } => *routine || *dup_ack || (*kind == Kind::Retransmission && *len > 0),
        Rung::Arrow { .. } => false,
    }
}

/// The rungs of the first loss, drawn in full whatever the bands: the
/// first data retransmission, the arrow after it, and up to [`EPISODE`]
/// rungs before it from the first duplicate ACK on.
fn first_loss(rungs: &[Rung]) -> std::ops::Range<usize> {
    let unusual = |r: &Rung| condensable(r) && matches!(r, Rung::Arrow { routine: false, .. });
    let Some(a) = rungs.iter().position(unusual) else {
        return 0..0;
    };
    let resent = rungs[a..]
        .iter()
        .position(|r| {
            matches!(
                r,
                Rung::Arrow {
                    kind: Kind::Retransmission,
                    ..
                }
            )
        })
        .map_or(a, |i| a + i);
    a.max(resent.saturating_sub(EPISODE))..(resent + 2).min(rungs.len())
}

/// The pieces of a diagram: runs of at least [`MIN_RUN`] condensable
/// arrows keep [`RUN_EDGE`] arrows at each end and a band in between; the
/// first loss is always drawn; with `all`, every rung.
fn pieces(rungs: &[Rung], all: bool, per_row: Option<Duration>) -> Vec<Piece<'_>> {
    if all {
        return rungs.iter().map(Piece::Rung).collect();
    }
    // With time to scale, a band never hides a pause the scale would
    // show: a run ends at a gap of [`RUN_GAP_PX`] or more (the rounds of
    // slow start over a long round trip stay apart).
    let paused = |j: usize| {
        per_row.is_some_and(|per_row| {
            let gap = rungs[j].t().saturating_sub(rungs[j - 1].t());
            gap.as_secs_f64() / per_row.as_secs_f64() * PX_PER_ROW >= RUN_GAP_PX
        })
    };
    let pinned = first_loss(rungs);
    let free = |i: usize| condensable(&rungs[i]) && !pinned.contains(&i);
    let is_arrow = |i: usize| matches!(rungs[i], Rung::Arrow { .. });
    let mut out = Vec::new();
    let mut i = 0;
    while i < rungs.len() {
        if !free(i) || !is_arrow(i) {
            out.push(Piece::Rung(&rungs[i]));
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < rungs.len() && free(j) && !paused(j) {
            j += 1;
        }
        // A run ends on an arrow: calls after its last one are drawn.
        while j > i && !is_arrow(j - 1) {
            j -= 1;
        }
        let arrows: Vec<usize> = (i..j).filter(|&k| is_arrow(k)).collect();
        if arrows.len() < MIN_RUN {
            out.extend(rungs[i..j].iter().map(Piece::Rung));
        } else {
            let head_end = arrows[RUN_EDGE - 1] + 1;
            let tail_start = arrows[arrows.len() - RUN_EDGE];
            out.extend(rungs[i..head_end].iter().map(Piece::Rung));
            out.push(Piece::Band(Band::of(&rungs[head_end..tail_start])));
            out.extend(rungs[tail_start..j].iter().map(Piece::Rung));
        }
        i = j;
    }
    out
}

/// How a diagram is drawn: its pieces, each with its top and its height.
struct Layout<'a> {
    pieces: Vec<(Piece<'a>, f64, f64)>,
    /// Gaps cut by the time scale: (top, height, duration).
    breaks: Vec<(f64, Duration)>,
    body: f64,
}

/// The SVG options.
#[derive(Clone, Copy, Debug, Default)]
pub struct Svg {
    /// With a time scale, the time [`PX_PER_ROW`] pixels stand for.
    pub per_row: Option<Duration>,
    /// Every segment, no band.
    pub all: bool,
}

impl Svg {
    /// Draw time to scale.
    pub fn time_scale(mut self, per_row: Option<Duration>) -> Self {
        self.per_row = per_row.filter(|d| !d.is_zero());
        self
    }

    /// Draw every segment.
    pub fn all_segments(mut self, all: bool) -> Self {
        self.all = all;
        self
    }

    fn layout<'a>(&self, d: &'a Diagram) -> Layout<'a> {
        let mut y = 0.0;
        let mut prev: Option<Duration> = None;
        let mut out = Layout {
            pieces: Vec::new(),
            breaks: Vec::new(),
            body: 0.0,
        };
        for piece in pieces(&d.rungs, self.all, self.per_row) {
            let (t, h) = match &piece {
                Piece::Rung(r @ Rung::Call { text, .. }) => {
                    let (lines, _) = lines_of(text, geo::SIDE_CHARS);
                    (r.t(), geo::CALL + geo::LINE * (lines.len() - 1) as f64)
                }
                Piece::Rung(r) => (r.t(), geo::RUNG),
                Piece::Band(b) => (b.first, geo::BAND),
            };
            if let (Some(per_row), Some(p)) = (self.per_row, prev) {
                let gap = t.saturating_sub(p);
                let px = gap.as_secs_f64() / per_row.as_secs_f64() * PX_PER_ROW;
                if px > MAX_GAP_PX {
                    out.breaks.push((y, gap));
                    y += BREAK_PX;
                } else {
                    // Whole pixels: coordinates stay short and exact.
                    y += px.round();
                }
            }
            prev = Some(match &piece {
                Piece::Band(b) => b.last,
                _ => t,
            });
            out.pieces.push((piece, y, h));
            y += h;
        }
        out.body = y;
        out
    }

    fn height_of(&self, d: &Diagram, layout: &Layout<'_>) -> f64 {
        geo::HEADER + self.scale_note() + layout.body + geo::GAP + caption_height(d)
    }

    fn scale_note(&self) -> f64 {
        if self.per_row.is_some() {
            geo::SCALE_NOTE
        } else {
            0.0
        }
    }

    /// Draw diagrams into one SVG document, with a last line saying how
    /// many connections or flows were `left_out` (none drawn when 0).
    pub fn draw<'a>(
        &self,
        diagrams: impl IntoIterator<Item = &'a Diagram>,
        left_out: u64,
    ) -> String {
        use geo::*;
        let diagrams: Vec<&Diagram> = diagrams.into_iter().collect();
        let layouts: Vec<Layout<'_>> = diagrams.iter().map(|d| self.layout(d)).collect();
        let note = left_out_line(left_out);
        let total: f64 = diagrams
            .iter()
            .zip(&layouts)
            .map(|(d, l)| self.height_of(d, l))
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
                r#"<text x="20" y="60">{}</text>"#,
                xml(&t!("capture-svg-nothing"))
            );
        }
        let mut y0 = 0.0;
        for (d, layout) in diagrams.into_iter().zip(&layouts) {
            let h = self.height_of(d, layout);
            self.diagram(&mut s, d, layout, y0, h);
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

    fn diagram(&self, s: &mut String, d: &Diagram, layout: &Layout<'_>, y0: f64, h: f64) {
        use geo::*;
        let _ = writeln!(s, r#"<g class="diagram" id="{}">"#, xml(&d.tag));
        let _ = writeln!(
            s,
            r#"<text class="title" x="20" y="{}">{}</text>"#,
            y0 + 24.0,
            xml(&d.tag)
        );
        for (x, title, addr) in [
            (LEFT_X, &d.left_title, d.left),
            (RIGHT_X, &d.right_title, d.right),
        ] {
            let _ = writeln!(
                s,
                r#"<text class="title" x="{x}" y="{}" text-anchor="middle">{title} {addr}</text>"#,
                y0 + 24.0,
            );
        }
        let scale = self.scale_note();
        if let Some(per_row) = self.per_row {
            let _ = writeln!(
                s,
                r#"<text class="scale" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                (LEFT_X + RIGHT_X) / 2.0,
                y0 + 44.0,
                xml(&t!(
                    "capture-svg-scale",
                    px = PX_PER_ROW.to_string(),
                    per_row = human_duration(per_row),
                    gap = human_duration(per_row.mul_f64(MAX_GAP_PX / PX_PER_ROW))
                )),
            );
        }
        let body_top = y0 + HEADER + scale;
        let caption_top = body_top + layout.body + GAP / 2.0;
        if let Some(c) = &d.caption {
            let (lines, cut) = lines_of(c, CAPTION_CHARS);
            let _ = writeln!(s, r#"<g class="caption">"#);
            if cut {
                let _ = writeln!(s, "<title>{}</title>", xml(c));
            }
            for (i, l) in lines.iter().enumerate() {
                let _ = writeln!(
                    s,
                    r#"<text class="caption" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                    (LEFT_X + RIGHT_X) / 2.0,
                    caption_top + 10.0 + LINE * i as f64,
                    xml(l)
                );
            }
            let _ = writeln!(s, "</g>");
        }
        let top = y0 + 36.0 + scale;
        let bottom = caption_top - 4.0;
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
                y0 + 54.0 + scale,
                facts::state(l)
            );
            let _ = writeln!(
                s,
                r#"<text class="state" x="{}" y="{}">{}</text>"#,
                RIGHT_X + 8.0,
                y0 + 54.0 + scale,
                facts::state(r)
            );
        }
        for (piece, top, height) in &layout.pieces {
            let y = body_top + top;
            match piece {
                Piece::Rung(Rung::Call { side, text, .. }) => call(s, *side, text, y),
                Piece::Rung(r @ Rung::Arrow { .. }) => arrow(s, d, r, y),
                Piece::Band(b) => band(s, d, b, y, *height),
            }
        }
        for (top, gap) in &layout.breaks {
            gap_break(s, body_top + top, *gap);
        }
        if d.dropped > 0 {
            let _ = writeln!(
                s,
                r#"<text x="20" y="{}">{}</text>"#,
                body_top + layout.body + 10.0,
                xml(&t!("capture-more-rungs", n = d.dropped))
            );
        }
        let _ = writeln!(s, "</g>");
        let _ = h;
    }
}

fn caption_height(d: &Diagram) -> f64 {
    match &d.caption {
        Some(c) => 30.0 + geo::LINE * (lines_of(c, geo::CAPTION_CHARS).0.len() - 1) as f64,
        None => 0.0,
    }
}

/// A socket call beside its program's lifeline.
fn call(s: &mut String, side: Side, text: &str, y: f64) {
    use geo::*;
    let (x, anchor) = match side {
        Side::Client => (LEFT_X - 10.0, "end"),
        Side::Server => (RIGHT_X + 10.0, "start"),
    };
    let (lines, cut) = lines_of(text, SIDE_CHARS);
    let _ = writeln!(s, r#"<g class="callgroup">"#);
    if cut {
        let _ = writeln!(s, "<title>{}</title>", xml(text));
    }
    for (i, l) in lines.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text class="call" x="{x}" y="{}" text-anchor="{anchor}">{}</text>"#,
            y + FONT + LINE * i as f64,
            xml(l)
        );
    }
    let _ = writeln!(s, "</g>");
}

/// A segment, datagram or ICMP error: its line, label, time and the
/// states it changed.
fn arrow(s: &mut String, d: &Diagram, r: &Rung, y: f64) {
    use geo::*;
    let Rung::Arrow {
        t,
        dir,
        label,
        kind,
        sender_state,
        receiver_state,
        ..
    } = r
    else {
        return;
    };
    let (x1, x2) = match dir {
        Dir::C2S => (LEFT_X, RIGHT_X),
        Dir::S2C => (RIGHT_X, LEFT_X),
    };
    let (ya, yb) = (y + 8.0, y + 8.0 + SLANT);
    let c = kind.class();
    let time = format!("{} s", since(d.origin, *t));
    let _ = writeln!(s, r#"<g class="rung">"#);
    let _ = writeln!(s, "<title>{time}  {}</title>", xml(label));
    let _ = writeln!(
        s,
        r#"<line class="arrow {c}" x1="{x1}" y1="{ya}" x2="{x2}" y2="{yb}" marker-end="url(#head)"/>"#
    );
    // The label runs parallel to its arrow, just above it; a long one
    // wraps, its second line under the arrow.
    let (cx, cy) = ((LEFT_X + RIGHT_X) / 2.0, (ya + yb) / 2.0);
    let angle = (SLANT / (x2 - x1)).atan().to_degrees();
    let (lines, _) = lines_of(label, LABEL_CHARS);
    for (i, l) in lines.iter().enumerate() {
        let dy = if i == 0 { -6.0 } else { 16.0 };
        let _ = writeln!(
            s,
            r#"<text class="label {c}" x="{cx}" y="{}" text-anchor="middle" transform="rotate({angle:.2} {cx} {cy})">{}</text>"#,
            cy + dy,
            xml(l)
        );
    }
    // The time it crossed the capture point, under the arrow's start.
    let (tx, anchor) = if x1 < x2 {
        (x1 + 6.0, "start")
    } else {
        (x1 - 6.0, "end")
    };
    let _ = writeln!(
        s,
        r#"<text class="time" x="{tx}" y="{}" text-anchor="{anchor}">{time}</text>"#,
        ya + 16.0
    );
    let side_text = |x: f64, yy: f64, state: &str, left: bool| {
        let (tx, anchor) = if left {
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
        let _ = writeln!(s, "{}", side_text(x1, ya, facts::state(*st), x1 < x2));
    }
    if let Some(st) = receiver_state {
        let _ = writeln!(s, "{}", side_text(x2, yb, facts::state(*st), x2 < x1));
    }
    if *kind == Kind::Icmp {
        // Sent by the receiving host's kernel, not by a program.
        let _ = writeln!(
            s,
            r#"<text class="time" x="{}" y="{}" text-anchor="{}">{}</text>"#,
            if x1 > x2 { x1 + 8.0 } else { x1 - 8.0 },
            ya + 5.0,
            if x1 > x2 { "start" } else { "end" },
            xml(&t!("capture-svg-by-kernel"))
        );
    }
    let _ = writeln!(s, "</g>");
}

/// A band standing for a run of bulk data.
fn band(s: &mut String, d: &Diagram, b: &Band, y: f64, height: f64) {
    use geo::*;
    let (first, second) = b.text(d);
    let cx = (LEFT_X + RIGHT_X) / 2.0;
    let _ = writeln!(s, r#"<g class="band">"#);
    let _ = writeln!(
        s,
        "<title>{first} {second}, {}–{} s</title>",
        since(d.origin, b.first),
        since(d.origin, b.last)
    );
    // Wide enough for its text, at least as wide as the lifelines apart.
    let chars = first.chars().count().max(second.chars().count()) as f64;
    let w = (chars * CHAR + 30.0).clamp(RIGHT_X - LEFT_X + 40.0, WIDTH - 20.0);
    let _ = writeln!(
        s,
        r#"<rect x="{}" y="{}" width="{w}" height="{}" rx="6"/>"#,
        cx - w / 2.0,
        y + 8.0,
        height - 16.0
    );
    for (i, line) in [first, second].iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text x="{cx}" y="{}" text-anchor="middle">{}</text>"#,
            y + 29.0 + 20.0 * i as f64,
            xml(line)
        );
    }
    let _ = writeln!(s, "</g>");
}

/// A gap too long to draw to scale: `≈` across both lifelines and its
/// duration.
fn gap_break(s: &mut String, y: f64, gap: Duration) {
    use geo::*;
    let _ = writeln!(s, r#"<g class="break">"#);
    for x in [LEFT_X, RIGHT_X] {
        let _ = writeln!(
            s,
            r#"<rect x="{}" y="{}" width="16" height="{}"/>"#,
            x - 8.0,
            y + 10.0,
            BREAK_PX - 20.0
        );
        let _ = writeln!(
            s,
            r#"<text class="mark" x="{x}" y="{}" text-anchor="middle">≈</text>"#,
            y + BREAK_PX / 2.0 + 8.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        (LEFT_X + RIGHT_X) / 2.0,
        y + BREAK_PX / 2.0 + 5.0,
        xml(&t!(
            "capture-gap-later-long",
            duration = human_duration(gap)
        ))
    );
    let _ = writeln!(s, "</g>");
}

/// Draw `diagrams` with the default options (rungs evenly spaced, bulk
/// data condensed).
pub fn svg<'a>(diagrams: impl IntoIterator<Item = &'a Diagram>, left_out: u64) -> String {
    Svg::default().draw(diagrams, left_out)
}

/// Collects the ladder while the capture runs and writes the SVG at the end.
pub struct SvgCollector {
    path: PathBuf,
    options: Svg,
    model: Ladder,
}

impl SvgCollector {
    /// Write to `path`.
    pub fn new(path: PathBuf) -> Self {
        SvgCollector {
            path,
            options: Svg::default(),
            model: Ladder::new(true),
        }
    }

    /// Draw time to scale (`--time-scale`).
    pub fn time_scale(mut self, per_row: Option<Duration>) -> Self {
        self.options = self.options.time_scale(per_row);
        self
    }

    /// Draw every segment (`--all-segments`).
    pub fn all_segments(mut self, all: bool) -> Self {
        self.options = self.options.all_segments(all);
        self
    }
}

impl Render for SvgCollector {
    fn item(&mut self, item: &Item) -> io::Result<()> {
        self.model.add(item);
        Ok(())
    }

    fn end(&mut self, _end: &End) -> io::Result<()> {
        let doc = self
            .options
            .draw(self.model.diagrams(), self.model.left_out());
        std::fs::write(&self.path, doc).map_err(|e| {
            io::Error::new(
                e.kind(),
                crate::t!(
                    "capture-svg-cannot-write",
                    path = self.path.display().to_string(),
                    error = e.to_string()
                ),
            )
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
