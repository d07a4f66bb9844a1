//! The link's events, as a capture reads them, and how they are joined to
//! the segments this capture saw.
//!
//! The link emulator between the hosts of `twohost` says what it did to
//! each frame (docs/protocol.md, "Link events"): dropped, delayed,
//! reordered, duplicated. A capture on either host sees a frame before the
//! link (the frames its host sends) or after it (the frames it receives),
//! so the same event is joined differently:
//!
//! - before the link, the frame was captured a little before the event
//!   (the event is stamped when the frame reached the link): a `dropped`
//!   event means the segment on this line never arrived;
//! - after the link, the frame is captured `delay` after the event, and a
//!   dropped frame is never captured at all: the retransmission that
//!   follows is explained by it.
//!
//! A frame is recognised by what the event carries of it: the addresses,
//! the raw sequence and acknowledgement numbers, the flags and the payload
//! length, at the time the link says it handled it. Events are untrusted
//! (anyone who may write to the socket could send one): they are parsed
//! defensively, their strings escaped and bounded, and they are only ever
//! shown, never used to decide a state the wire contradicts.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;

use crate::escape::escape_controls;
use crate::track::LinkDrop;
use crate::wire::{Segment, TcpFlags};

/// The largest link event accepted (the link's are under 400 bytes).
pub const MAX_LINK_EVENT_BYTES: usize = 2048;
/// Longest host name kept (`alice`, `bob`, `carol`).
const MAX_HOST: usize = 16;
/// Most link events remembered for joining (the oldest go first).
pub const MAX_LINK_EVENTS: usize = 65_536;
/// How long an event is remembered: longer than a connect() that retries
/// its SYN six times (127 s), so the first lost SYN still explains the last.
const KEEP: Duration = Duration::from_secs(130);
/// A frame captured before the link reaches it at most this much later
/// (the link is a thread of a busy machine), and one captured after the
/// link arrives at most this much after its time there.
const SLACK: Duration = Duration::from_millis(200);
/// Clocks: the link stamps an event a little after the kernel stamped the
/// captured frame; allow this much the other way.
const SKEW: Duration = Duration::from_millis(2);

/// What the link did to a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkWhat {
    Dropped(LinkDrop),
    /// The frame's whole time in the link, and the part spent queued.
    Delayed {
        delay_us: u64,
        queued_us: u64,
    },
    /// It left after `overtaken_by` later frames (stamped when it left).
    Reordered {
        overtaken_by: u64,
    },
    Duplicated,
}

impl LinkWhat {
    /// The event's `what`: `dropped`, `delayed`, `reordered`, `duplicated`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkWhat::Dropped(_) => "dropped",
            LinkWhat::Delayed { .. } => "delayed",
            LinkWhat::Reordered { .. } => "reordered",
            LinkWhat::Duplicated => "duplicated",
        }
    }
}

/// A TCP frame's numbers, as the event carries them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkTcp {
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
}

/// One link event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkEvent {
    /// When the link did it (the frame reached it; for `reordered`, when
    /// it finally left), on the pcap's clock.
    pub t: Duration,
    pub what: LinkWhat,
    /// The hosts the frame went from and to (escaped, bounded).
    pub from: String,
    pub to: String,
    /// The frame's number in its direction: one frame's events share it.
    pub id: u64,
    /// `tcp`, `udp` or `other`.
    pub proto: &'static str,
    pub src: Option<SocketAddr>,
    pub dst: Option<SocketAddr>,
    pub tcp: Option<LinkTcp>,
    pub payload: Option<u32>,
}

/// Why a link datagram was not taken.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkEventError {
    #[error("link event of {0} bytes is over the {MAX_LINK_EVENT_BYTES}-byte limit")]
    Oversize(usize),
    #[error("link event is not a JSON object of type \"link\"")]
    NotLink,
    #[error("link event field `{0}` is missing or invalid")]
    Field(&'static str),
}

impl LinkEvent {
    /// Parse one event (the datagram or message, no newline needed).
    pub fn parse(bytes: &[u8]) -> Result<LinkEvent, LinkEventError> {
        if bytes.len() > MAX_LINK_EVENT_BYTES {
            return Err(LinkEventError::Oversize(bytes.len()));
        }
        let v: Value = serde_json::from_slice(bytes).map_err(|_| LinkEventError::NotLink)?;
        if v.get("type").and_then(Value::as_str) != Some("link") {
            return Err(LinkEventError::NotLink);
        }
        let t = v
            .get("t")
            .and_then(Value::as_f64)
            .filter(|t| t.is_finite() && *t >= 0.0 && *t < 1e11)
            .map(Duration::from_secs_f64)
            .ok_or(LinkEventError::Field("t"))?;
        let ms = |k: &'static str| -> Result<u64, LinkEventError> {
            v.get(k)
                .and_then(Value::as_f64)
                .filter(|m| m.is_finite() && *m >= 0.0 && *m < 1e9)
                .map(|m| (m * 1000.0).round() as u64)
                .ok_or(LinkEventError::Field(k))
        };
        let what = match v.get("what").and_then(Value::as_str) {
            Some("dropped") => LinkWhat::Dropped(LinkDrop::from_reason(
                v.get("reason").and_then(Value::as_str).unwrap_or(""),
            )),
            Some("delayed") => LinkWhat::Delayed {
                delay_us: ms("delay_ms")?,
                queued_us: ms("queued_ms").unwrap_or(0),
            },
            Some("reordered") => LinkWhat::Reordered {
                overtaken_by: v
                    .get("overtaken_by")
                    .and_then(Value::as_u64)
                    .ok_or(LinkEventError::Field("overtaken_by"))?,
            },
            Some("duplicated") => LinkWhat::Duplicated,
            _ => return Err(LinkEventError::Field("what")),
        };
        let host = |k: &'static str| -> Result<String, LinkEventError> {
            v.get(k)
                .and_then(Value::as_str)
                .map(|h| escape_controls(h, MAX_HOST))
                .ok_or(LinkEventError::Field(k))
        };
        let addr = |k: &'static str| -> Result<Option<SocketAddr>, LinkEventError> {
            match v.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => s.parse().map(Some).map_err(|_| LinkEventError::Field(k)),
                Some(_) => Err(LinkEventError::Field(k)),
            }
        };
        let u32_of = |k: &'static str| -> Result<Option<u32>, LinkEventError> {
            match v.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(x) => x
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .map(Some)
                    .ok_or(LinkEventError::Field(k)),
            }
        };
        let proto = match v.get("proto").and_then(Value::as_str) {
            Some("tcp") => "tcp",
            Some("udp") => "udp",
            _ => "other",
        };
        let tcp = if proto == "tcp" {
            let flags = v
                .get("flags")
                .and_then(Value::as_array)
                .ok_or(LinkEventError::Field("flags"))?;
            if flags.len() > 8 {
                return Err(LinkEventError::Field("flags"));
            }
            let mut bits = 0u8;
            for f in flags {
                bits |= match f.as_str() {
                    Some("FIN") => TcpFlags::FIN,
                    Some("SYN") => TcpFlags::SYN,
                    Some("RST") => TcpFlags::RST,
                    Some("PSH") => TcpFlags::PSH,
                    Some("ACK") => TcpFlags::ACK,
                    Some("URG") => TcpFlags::URG,
                    Some("ECE") => TcpFlags::ECE,
                    Some("CWR") => TcpFlags::CWR,
                    _ => return Err(LinkEventError::Field("flags")),
                };
            }
            Some(LinkTcp {
                seq: u32_of("seq")?.ok_or(LinkEventError::Field("seq"))?,
                ack: u32_of("ack")?.ok_or(LinkEventError::Field("ack"))?,
                flags: TcpFlags(bits),
            })
        } else {
            None
        };
        Ok(LinkEvent {
            t,
            what,
            from: host("from")?,
            to: host("to")?,
            id: v
                .get("id")
                .and_then(Value::as_u64)
                .ok_or(LinkEventError::Field("id"))?,
            proto,
            src: addr("src")?,
            dst: addr("dst")?,
            tcp,
            payload: u32_of("payload")?,
        })
    }

    /// This event is about the frame that carried `seg`.
    fn is_frame_of(&self, seg: &Segment) -> bool {
        let Some(tcp) = self.tcp else {
            return false;
        };
        self.src == Some(seg.src)
            && self.dst == Some(seg.dst)
            && tcp.seq == seg.seq.0
            && tcp.ack == seg.ack.0
            && tcp.flags == seg.flags
            && self.payload == Some(seg.payload_len)
    }
}

/// One event waiting to be joined.
#[derive(Debug)]
struct Stored {
    ev: LinkEvent,
    /// A segment captured before the link was joined to it.
    before: bool,
    /// Segments captured after the link joined to it (two for a duplicate).
    after: u32,
}

/// What the link did to one captured segment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Joined {
    /// The frame's events it was joined to: (from, to, id).
    pub frame: Option<(String, String, u64)>,
    /// Captured before the link, and the link dropped it.
    pub dropped: Option<LinkDrop>,
    pub delayed: Option<(u64, u64)>,
    pub reordered: Option<u64>,
    /// The link duplicated it; `copy`: this is the second copy.
    pub duplicated: bool,
    pub copy: bool,
}

/// The events waiting to be joined, in the order they came (nearly time
/// order), bounded by [`MAX_LINK_EVENTS`] and [`KEEP`].
#[derive(Debug, Default)]
pub(super) struct LinkStore {
    events: VecDeque<Stored>,
}

impl LinkStore {
    /// Remember an event.
    pub fn push(&mut self, ev: LinkEvent) {
        while self.events.len() >= MAX_LINK_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(Stored {
            ev,
            before: false,
            after: 0,
        });
    }

    /// Forget what is older than [`KEEP`] at packet time `now`.
    pub fn expire(&mut self, now: Duration) {
        while self
            .events
            .front()
            .is_some_and(|s| s.ev.t.saturating_add(KEEP) < now)
        {
            self.events.pop_front();
        }
    }

    /// Whether any event ever came (the join is only worth trying then).
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Join the segment captured at `t` to the events about its frame.
    /// `sent_here`: this capture's host sent it (so it was captured before
    /// the link), or received it (after the link); `None`: not known.
    pub fn join(&mut self, t: Duration, seg: &Segment, sent_here: Option<bool>) -> Joined {
        // The frame's events share (from, to, id); find the frame whose
        // events fit the capture time best, before or after the link.
        let mut best: Option<(Duration, bool, (String, String, u64))> = None;
        for s in self.events.iter().filter(|s| s.ev.is_frame_of(seg)) {
            let delay = self.delay_of(&s.ev);
            let at_link = match s.ev.what {
                // Stamped when it left, not when it came.
                LinkWhat::Reordered { .. } => continue,
                _ => s.ev.t,
            };
            // Before the link: captured, then it reached the link.
            let before = !s.before && t <= at_link + SKEW && at_link <= t + SLACK;
            // After the link: it left the link `delay` after coming.
            let arrival = at_link + delay;
            let after = !matches!(s.ev.what, LinkWhat::Dropped(_))
                && t + SKEW >= arrival
                && t <= arrival + SLACK;
            let before = before && sent_here != Some(false);
            let after = after && sent_here != Some(true);
            for (fits, side_before) in [(before, true), (after, false)] {
                if !fits {
                    continue;
                }
                let off = if side_before {
                    at_link.saturating_sub(t)
                } else {
                    t.saturating_sub(arrival)
                };
                if best.as_ref().map_or(true, |(o, _, _)| off < *o) {
                    best = Some((
                        off,
                        side_before,
                        (s.ev.from.clone(), s.ev.to.clone(), s.ev.id),
                    ));
                }
            }
        }
        let Some((_, before, key)) = best else {
            return Joined::default();
        };
        let mut j = Joined {
            frame: Some(key.clone()),
            ..Joined::default()
        };
        let mut copies = 0;
        for s in self
            .events
            .iter_mut()
            .filter(|s| (&s.ev.from, &s.ev.to, s.ev.id) == (&key.0, &key.1, key.2))
        {
            match s.ev.what {
                LinkWhat::Dropped(r) => j.dropped = Some(r),
                LinkWhat::Delayed {
                    delay_us,
                    queued_us,
                } => j.delayed = Some((delay_us, queued_us)),
                LinkWhat::Reordered { overtaken_by } => j.reordered = Some(overtaken_by),
                LinkWhat::Duplicated => j.duplicated = true,
            }
            if before {
                s.before = true;
            } else {
                copies = copies.max(s.after);
                s.after += 1;
            }
        }
        j.copy = j.duplicated && !before && copies > 0;
        j
    }

    /// How long the link held the frame of `ev` (its `delayed` event).
    fn delay_of(&self, ev: &LinkEvent) -> Duration {
        if let LinkWhat::Delayed { delay_us, .. } = ev.what {
            return Duration::from_micros(delay_us);
        }
        self.events
            .iter()
            .find_map(|s| match s.ev.what {
                LinkWhat::Delayed { delay_us, .. }
                    if (&s.ev.from, &s.ev.to, s.ev.id) == (&ev.from, &ev.to, ev.id) =>
                {
                    Some(Duration::from_micros(delay_us))
                }
                _ => None,
            })
            .unwrap_or(Duration::ZERO)
    }

    /// A segment sent again at `t`: how long before, the link dropped its
    /// original (same addresses and sequence number), if it did. `this`:
    /// the frame of this very segment (not its own original).
    pub fn original_dropped(
        &self,
        t: Duration,
        seg: &Segment,
        this: Option<&(String, String, u64)>,
    ) -> Option<Duration> {
        self.events
            .iter()
            .rev()
            .filter(|s| {
                matches!(s.ev.what, LinkWhat::Dropped(_))
                    && s.ev.t < t + SKEW
                    && this.map_or(true, |(f, to, id)| {
                        (&s.ev.from, &s.ev.to, s.ev.id) != (f, to, *id)
                    })
            })
            .find(|s| {
                s.ev.src == Some(seg.src)
                    && s.ev.dst == Some(seg.dst)
                    && s.ev.tcp.is_some_and(|x| {
                        x.seq == seg.seq.0
                            && x.flags.has(TcpFlags::SYN) == seg.flags.has(TcpFlags::SYN)
                    })
            })
            .map(|s| t.saturating_sub(s.ev.t))
    }

    /// A segment sent again at `t` whose original got through: how long
    /// before, the link dropped an ACK of it from the other side.
    pub fn ack_dropped(&self, t: Duration, seg: &Segment) -> Option<Duration> {
        self.events
            .iter()
            .rev()
            .filter(|s| matches!(s.ev.what, LinkWhat::Dropped(_)) && s.ev.t < t)
            .find(|s| {
                s.ev.src == Some(seg.dst)
                    && s.ev.dst == Some(seg.src)
                    && s.ev.tcp.is_some_and(|x| {
                        x.flags.has(TcpFlags::ACK) && (x.ack.wrapping_sub(seg.seq.0) as i32) > 0
                    })
            })
            .map(|s| t.saturating_sub(s.ev.t))
    }

    /// The event of a frame the link dropped was joined to a segment this
    /// capture saw before the link.
    pub fn seen_before(&self, ev: &LinkEvent) -> bool {
        self.events
            .iter()
            .any(|s| s.before && s.ev.id == ev.id && s.ev.from == ev.from && s.ev.to == ev.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{SeqNum, TcpOptions};

    const DROPPED: &str = r#"{"type":"link","t":1700000000.5,"what":"dropped","from":"alice","to":"bob",
        "id":17,"proto":"tcp","src":"10.203.0.1:5005","dst":"10.203.0.2:41000",
        "seq":1000,"ack":2000,"flags":["ACK","PSH"],"payload":4,"frame_len":58,"reason":"random loss"}"#;

    fn segment(seq: u32, flags: u8, len: u32) -> Segment {
        Segment {
            src: "10.203.0.1:5005".parse().unwrap(),
            dst: "10.203.0.2:41000".parse().unwrap(),
            seq: SeqNum(seq),
            ack: SeqNum(2000),
            flags: TcpFlags(flags),
            window: 100,
            options: TcpOptions::default(),
            payload_len: len,
            preview: Vec::new(),
            payload_truncated: false,
        }
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn the_links_own_events_parse() {
        let e = LinkEvent::parse(DROPPED.as_bytes()).unwrap();
        assert_eq!(e.what, LinkWhat::Dropped(LinkDrop::Random));
        assert_eq!((e.from.as_str(), e.to.as_str(), e.id), ("alice", "bob", 17));
        assert_eq!(
            e.tcp,
            Some(LinkTcp {
                seq: 1000,
                ack: 2000,
                flags: TcpFlags(TcpFlags::ACK | TcpFlags::PSH)
            })
        );
        assert_eq!(e.payload, Some(4));
        let d = LinkEvent::parse(
            br#"{"type":"link","t":2.0,"what":"delayed","from":"bob","to":"alice","id":3,
                "proto":"udp","src":"10.203.0.2:1","dst":"10.203.0.1:2","payload":9,
                "delay_ms":50.25,"queued_ms":1.2}"#,
        )
        .unwrap();
        assert_eq!(
            d.what,
            LinkWhat::Delayed {
                delay_us: 50_250,
                queued_us: 1_200
            }
        );
        assert_eq!(d.tcp, None);
    }

    #[test]
    fn hostile_events_are_refused_or_escaped() {
        assert_eq!(
            LinkEvent::parse(&vec![b' '; MAX_LINK_EVENT_BYTES + 1]),
            Err(LinkEventError::Oversize(MAX_LINK_EVENT_BYTES + 1))
        );
        assert_eq!(LinkEvent::parse(b"not json"), Err(LinkEventError::NotLink));
        assert_eq!(
            LinkEvent::parse(br#"{"type":"call"}"#),
            Err(LinkEventError::NotLink)
        );
        let bad_t = DROPPED.replace("1700000000.5", "-3");
        assert_eq!(
            LinkEvent::parse(bad_t.as_bytes()),
            Err(LinkEventError::Field("t"))
        );
        let bad_flag = DROPPED.replace("\"PSH\"", "\"XYZ\"");
        assert_eq!(
            LinkEvent::parse(bad_flag.as_bytes()),
            Err(LinkEventError::Field("flags"))
        );
        let bad_seq = DROPPED.replace("1000,", "99999999999,");
        assert_eq!(
            LinkEvent::parse(bad_seq.as_bytes()),
            Err(LinkEventError::Field("seq"))
        );
        let evil = DROPPED.replace("alice", "\\u001b[31mmallory-with-a-long-name");
        let e = LinkEvent::parse(evil.as_bytes()).unwrap();
        assert!(!e.from.contains('\u{1b}'), "{:?}", e.from);
        assert!(e.from.chars().count() <= MAX_HOST + 1, "{:?}", e.from);
    }

    #[test]
    fn a_drop_joins_the_segment_captured_just_before_it_and_explains_its_retransmission() {
        let mut store = LinkStore::default();
        store.push(LinkEvent::parse(DROPPED.as_bytes()).unwrap());
        let seg = segment(1000, TcpFlags::ACK | TcpFlags::PSH, 4);
        // Captured 100 µs before the link had it: this is the lost one.
        let j = store.join(secs(1_700_000_000.499_9), &seg, None);
        assert_eq!(j.dropped, Some(LinkDrop::Random));
        // Its retransmission 200 ms later is not the dropped frame...
        let again = store.join(secs(1_700_000_000.7), &seg, None);
        assert_eq!(again, Joined::default());
        // ...and is explained by it.
        let ago = store
            .original_dropped(secs(1_700_000_000.7), &seg, None)
            .unwrap();
        assert_eq!(ago.as_millis(), 200);
        // A segment with other numbers is not.
        let other = segment(1004, TcpFlags::ACK | TcpFlags::PSH, 4);
        assert_eq!(
            store.original_dropped(secs(1_700_000_000.7), &other, None),
            None
        );
        assert!(store.seen_before(&LinkEvent::parse(DROPPED.as_bytes()).unwrap()));
    }

    #[test]
    fn after_the_link_a_delay_and_a_duplicate_are_joined_at_their_arrival() {
        let mut store = LinkStore::default();
        let base = r#"{"type":"link","t":10.0,"from":"alice","to":"bob","id":4,"proto":"tcp",
            "src":"10.203.0.1:5005","dst":"10.203.0.2:41000","seq":1000,"ack":2000,
            "flags":["ACK"],"payload":0,"frame_len":54,"#;
        store.push(
            LinkEvent::parse(
                format!("{base}\"what\":\"delayed\",\"delay_ms\":50.0,\"queued_ms\":0}}")
                    .as_bytes(),
            )
            .unwrap(),
        );
        store
            .push(LinkEvent::parse(format!("{base}\"what\":\"duplicated\"}}").as_bytes()).unwrap());
        let seg = segment(1000, TcpFlags::ACK, 0);
        // Nothing fits 20 ms after the link took it (it is still there).
        assert_eq!(store.join(secs(10.02), &seg, None), Joined::default());
        let first = store.join(secs(10.0501), &seg, None);
        assert_eq!(first.delayed, Some((50_000, 0)));
        assert!(first.duplicated && !first.copy);
        let second = store.join(secs(10.0502), &seg, None);
        assert!(second.duplicated && second.copy);
    }
}
