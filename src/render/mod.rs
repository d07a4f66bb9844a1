//! Everything a person sees of a capture: annotated text, JSON lines, the
//! summary table, the ladder diagram and its SVG export.
//!
//! Renderers are pure: they write to `impl Write` (or return `String`), so
//! tests compare text. All `colored` and `comfy-table` use lives here.

use std::borrow::Cow;
use std::io;
use std::time::Duration;

use colored::{Color, Colorize};

use crate::i18n;
use crate::t;
pub use crate::timeline::{Call, End, Item, Totals};
use crate::timeline::{Relation, Sent};
use crate::track::{Handshake, Side, Step, Teardown};

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

/// A duration the way a person reads it: `85 µs`, `1.2 ms`, `3.40 s`
/// (`1,2 ms` in Portuguese).
pub fn human_duration(d: Duration) -> String {
    let us = d.as_micros();
    if us < 1000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{} ms", i18n::decimal(us as f64 / 1000.0, 1))
    } else {
        format!("{} s", i18n::decimal(d.as_secs_f64(), 2))
    }
}

/// How a call relates to the segments around it, in words: `-> SYN`,
/// `-> PSH-ACK (6 bytes)`, `returned after handshake step 3/3 (ACK)`.
pub fn relation_text(r: &Relation) -> String {
    match r {
        Relation::Caused(Sent::Segment { flags, len }) if *len > 0 => {
            t!(
                "capture-caused-segment-bytes",
                flags = flags.label(),
                len = *len
            )
        }
        Relation::Caused(Sent::Segment { flags, .. }) => {
            t!("capture-caused-segment", flags = flags.label())
        }
        Relation::Caused(Sent::Datagram { len }) if *len > 0 => {
            t!("capture-caused-datagram-bytes", len = *len)
        }
        Relation::Caused(Sent::Datagram { .. }) => t!("capture-caused-datagram"),
        Relation::ReturnedAfter(step) => i18n::tr(returned_after_id(*step), &[]),
        Relation::ClosesListener => t!("capture-closes-listener"),
    }
}

/// A stable name for a relation (`caused`, `returned-after`,
/// `closes-listener`), for scripts and the browser view: the JSON
/// `relation_id` field, the same in every language.
pub fn relation_id(r: &Relation) -> &'static str {
    match r {
        Relation::Caused(_) => "caused",
        Relation::ReturnedAfter(_) => "returned-after",
        Relation::ClosesListener => "closes-listener",
    }
}

/// The message saying what a segment did, as a call's relation names it.
fn returned_after_id(step: Step) -> &'static str {
    match step {
        Step::Handshake1 => "capture-returned-after-handshake-1",
        Step::Handshake2 => "capture-returned-after-handshake-2",
        Step::Handshake3 => "capture-returned-after-handshake-3",
        Step::Teardown1 => "capture-returned-after-teardown-1",
        Step::Teardown2 => "capture-returned-after-teardown-2",
        Step::Teardown3 => "capture-returned-after-teardown-3",
        Step::Teardown4 => "capture-returned-after-teardown-4",
        Step::Reset => "capture-returned-after-reset",
        Step::Data => "capture-returned-after-data",
        Step::Ack => "capture-returned-after-ack",
        Step::Retransmission => "capture-returned-after-retransmission",
        Step::Other => "capture-returned-after-other",
    }
}

/// `client` or `server`, in the process's language.
pub fn side_word(side: Side) -> String {
    match side {
        Side::Client => t!("capture-side-client"),
        Side::Server => t!("capture-side-server"),
    }
}

/// How a handshake ended, for people (`complete`, `completo`).
pub fn handshake_word(h: Handshake) -> String {
    i18n::tr(&format!("capture-handshake-{}", h.as_str()), &[])
}

/// How a teardown went, for people (`three-way`, `em três vias`).
pub fn teardown_word(t: Teardown) -> String {
    i18n::tr(&format!("capture-teardown-{}", t.as_str()), &[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{has_message, Lang};

    #[test]
    fn every_outcome_and_step_has_a_message_in_both_languages() {
        use crate::track::{Handshake as H, Teardown as T};
        let mut ids: Vec<String> = [H::Complete, H::Refused, H::Incomplete, H::NotSeen]
            .iter()
            .map(|h| format!("capture-handshake-{}", h.as_str()))
            .collect();
        ids.extend(
            [T::FourWay, T::ThreeWay, T::Simultaneous, T::Reset, T::Open]
                .iter()
                .map(|t| format!("capture-teardown-{}", t.as_str())),
        );
        use Step::*;
        let steps = [
            Handshake1,
            Handshake2,
            Handshake3,
            Teardown1,
            Teardown2,
            Teardown3,
            Teardown4,
            Reset,
            Data,
            Ack,
            Retransmission,
            Other,
        ];
        ids.extend(steps.iter().map(|s| returned_after_id(*s).to_string()));
        for lang in Lang::ALL {
            for id in &ids {
                assert!(has_message(lang, id), "{id} missing in {lang}");
            }
        }
    }
}
