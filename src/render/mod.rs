//! Everything a person sees of a capture: annotated text, JSON lines, the
//! summary table, the ladder diagram and its SVG export.
//!
//! Renderers are pure: they write to `impl Write` (or return `String`), so
//! tests compare text. All `colored` and `comfy-table` use lives here.

use std::borrow::Cow;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use colored::{Color, Colorize};

use crate::capture::Stats;
use crate::events::CallEvent;
use crate::track::{Annotation, ConnSummary, DatagramNote};
use crate::wire::detail::Headers;
use crate::wire::{Datagram, DecodeError, Segment};

pub mod json;
pub mod ladder;
pub mod svg;
pub mod table;
pub mod text;
pub mod verbose;

/// One thing that happened, in time order: what the renderers draw.
#[derive(Clone, Debug)]
pub enum Item {
    /// A TCP segment and what the tracker made of it.
    Segment {
        t: Duration,
        seg: Segment,
        ann: Annotation,
        /// Every header field, when asked for (`-v`, the web view).
        headers: Option<Arc<Headers>>,
    },
    /// A UDP datagram.
    Datagram {
        t: Duration,
        d: Datagram,
        note: DatagramNote,
        /// Every header field, when asked for (`-v`, the web view).
        headers: Option<Arc<Headers>>,
    },
    /// A frame that is neither TCP nor UDP (ARP, ICMP, other protocols).
    Other {
        t: Duration,
        what: String,
        /// Every header field of an IP packet, when asked for.
        headers: Option<Arc<Headers>>,
    },
    /// A frame that could not be decoded (truncated or malformed).
    Bad { t: Duration, err: DecodeError },
    /// A socket call reported by a lab program.
    Call(Call),
    /// A connection ended (or the capture did): its summary.
    Connection(ConnSummary),
}

/// A socket call, attributed to a connection when its addresses match one.
#[derive(Clone, Debug)]
pub struct Call {
    pub ev: CallEvent,
    pub conn: Option<u64>,
    /// How it relates to the segments around it: `-> SYN`,
    /// `returned after handshake step 3/3`. Empty when nothing matches.
    pub relation: String,
    /// Which column of the ladder it belongs to.
    pub side: Option<crate::track::Side>,
    /// The connection's (client, server) addresses, when attributed.
    pub ends: Option<(std::net::SocketAddr, std::net::SocketAddr)>,
}

impl Item {
    /// When it happened (realtime, since the Unix epoch).
    pub fn t(&self) -> Duration {
        match self {
            Item::Segment { t, .. }
            | Item::Datagram { t, .. }
            | Item::Other { t, .. }
            | Item::Bad { t, .. } => *t,
            Item::Call(c) => c.ev.t,
            Item::Connection(s) => s.last,
        }
    }

    /// Every header field of the packet, when the session decoded them.
    pub fn headers(&self) -> Option<&Headers> {
        match self {
            Item::Segment { headers, .. }
            | Item::Datagram { headers, .. }
            | Item::Other { headers, .. } => headers.as_deref(),
            _ => None,
        }
    }
}

/// Counters shown at the end of a capture.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub packets: u64,
    pub tcp: u64,
    pub udp: u64,
    pub other: u64,
    pub truncated: u64,
    pub malformed: u64,
    pub untracked: u64,
    pub events: u64,
    pub events_rejected: u64,
    /// Live captures: the kernel's counters.
    pub kernel: Option<Stats>,
}

/// The end of a capture: every connection's summary and the counters.
#[derive(Clone, Debug, Default)]
pub struct End {
    pub connections: Vec<ConnSummary>,
    /// Connections not listed because the table is capped.
    pub more_connections: u64,
    pub totals: Totals,
}

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
