//! Everything a person sees of a capture: annotated text, JSON lines, the
//! summary table, the ladder diagram and its SVG export.
//!
//! Renderers are pure: they write to `impl Write` (or return `String`), so
//! tests compare text. All `colored` and `comfy-table` use lives here.

use std::borrow::Cow;
use std::io;
use std::time::Duration;

use colored::{Color, Colorize};

pub use crate::timeline::{Call, End, Item, Totals};
use crate::timeline::{Relation, Sent};
use crate::track::Step;

pub mod json;
pub mod ladder;
pub mod select;
pub mod settle;
pub mod svg;
pub mod table;
pub mod text;
pub mod verbose;
pub mod wrap;

/// The width assumed when the output's is not known (not a terminal, no
/// `COLUMNS`).
pub const DEFAULT_WIDTH: usize = 100;

/// Something that draws items as they come and a summary at the end.
pub trait Render {
    /// Draw one item. Items arrive in time order.
    fn item(&mut self, item: &Item) -> io::Result<()>;
    /// The capture is over.
    fn end(&mut self, end: &End) -> io::Result<()>;
    /// Push what is buffered to the screen (live captures, when idle).
    fn flush(&mut self) -> io::Result<()>;
}

/// Colour on or off, decided once by the binary (`--color`, `NO_COLOR`, tty).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Paint `s` when colour is on; otherwise hand it back untouched (no
    /// allocation: this runs for every packet of a million-packet file).
    pub fn paint<'a>(&self, s: &'a str, c: Color) -> Cow<'a, str> {
        if self.color {
            Cow::Owned(s.color(c).to_string())
        } else {
            Cow::Borrowed(s)
        }
    }

    /// Bold and coloured.
    pub fn strong<'a>(&self, s: &'a str, c: Color) -> Cow<'a, str> {
        if self.color {
            Cow::Owned(s.color(c).bold().to_string())
        } else {
            Cow::Borrowed(s)
        }
    }

    /// Dimmed (explanations).
    pub fn dim<'a>(&self, s: &'a str) -> Cow<'a, str> {
        if self.color {
            Cow::Owned(s.dimmed().to_string())
        } else {
            Cow::Borrowed(s)
        }
    }
}

/// `t` as epoch seconds with microseconds, the way JSON carries it.
pub fn epoch_secs(t: Duration) -> f64 {
    t.as_secs_f64()
}

/// Seconds since `start`, `0.000123` style.
pub fn since(start: Duration, t: Duration) -> String {
    let d = t.saturating_sub(start);
    format!("{}.{:06}", d.as_secs(), d.subsec_micros())
}

/// A duration the way a person reads it: `85 µs`, `1.2 ms`, `3.40 s`.
pub fn human_duration(d: Duration) -> String {
    let us = d.as_micros();
    if us < 1000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{:.1} ms", us as f64 / 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// How a call relates to the segments around it, in words: `-> SYN`,
/// `-> PSH-ACK (6 bytes)`, `returned after handshake step 3/3 (ACK)`.
pub fn relation_text(r: &Relation) -> String {
    match r {
        Relation::Caused(Sent::Segment { flags, len }) if *len > 0 => {
            format!("-> {} ({len} bytes)", flags.label())
        }
        Relation::Caused(Sent::Segment { flags, .. }) => format!("-> {}", flags.label()),
        Relation::Caused(Sent::Datagram { len }) if *len > 0 => {
            format!("-> UDP datagram ({len} bytes)")
        }
        Relation::Caused(Sent::Datagram { .. }) => "-> UDP datagram".to_string(),
        Relation::ReturnedAfter(step) => format!("returned after {}", step_phrase(*step)),
        Relation::ClosesListener => "(the listening socket: nothing goes on the wire; new connections are refused from now on, the accepted one stays open)".to_string(),
    }
}

/// What a segment did, as a call's relation names it.
fn step_phrase(step: Step) -> &'static str {
    match step {
        Step::Handshake1 => "handshake step 1/3 (SYN)",
        Step::Handshake2 => "handshake step 2/3 (SYN-ACK)",
        Step::Handshake3 => "handshake step 3/3 (ACK)",
        Step::Teardown1 => "teardown step 1 (FIN)",
        Step::Teardown2 => "teardown step 2 (ACK of the FIN)",
        Step::Teardown3 => "teardown step 3 (FIN)",
        Step::Teardown4 => "teardown step 4 (last ACK)",
        Step::Reset => "a reset (RST)",
        Step::Data => "data arrived",
        Step::Ack => "an ACK",
        Step::Retransmission => "a retransmission",
        Step::Other => "a segment",
    }
}
