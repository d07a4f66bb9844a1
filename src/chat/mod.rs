//! The chat's message format, and the sequence-number bookkeeping that shows
//! what UDP loses, reorders and duplicates.
//!
//! One message is one line of text, the same over TCP and UDP (see
//! `docs/protocol.md`):
//!
//! ```text
//! msg 7 1732449600123 bob hello there
//! ^   ^ ^             ^   ^
//! |   | |             |   the text: everything after the fourth space, any bytes but '\n'
//! |   | |             the sender's name: no spaces, at most 32 characters
//! |   | the sender's clock when it sent the message, in milliseconds since 1970 (UTC)
//! |   sequence number: 1 for the sender's first message, then 2, 3...
//! kind: `msg` for a message, `bye` when the sender leaves (then no text)
//! ```
//!
//! Over TCP each message ends with `\n`, because TCP carries a byte stream
//! and the receiver must find where a message ends (framing). Over UDP each
//! message is one datagram, without the `\n`: UDP keeps message boundaries.
//!
//! [`SeqTracker`] watches the sequence numbers as they arrive and says, for
//! each message, whether it was the next one, came after a gap, came late, or
//! was a copy. Over TCP it never finds anything: TCP has already put the bytes
//! back in order and retransmitted what was lost. Over UDP it is the only way
//! to know.
//!
//! This file is pure (no sockets, no clock reads). Around it:
//! [`screen`] holds the terminal's side (the prompt, the flood guard),
//! [`talk`] what a chat does around its socket calls (its threads' events,
//! showing what arrives, the report) and [`args`] its command line, so that
//! `src/bin/chat.rs` holds only the lesson.

pub mod args;
pub mod screen;
pub mod talk;

use std::collections::BTreeMap;
use std::fmt::{self, Display};

use crate::i18n::{self, Arg, Lang};
use crate::narrate::escape;

pub use screen::{Admit, FloodGuard, Screen, CLEAR_LINE};
pub use talk::{
    default_name, on_interrupt, print_report, read_keyboard, wait_for_peer, Event, Inbox,
};

/// Port the chat uses unless `--port` says otherwise (the same number for
/// TCP and UDP: the two protocols have separate port spaces).
pub const DEFAULT_PORT: u16 = 5005;
/// Longest sender name, in characters.
pub const MAX_NAME: usize = 32;
/// The line that leaves the chat.
pub const QUIT: &str = "/quit";
/// Most ranges of missing sequence numbers a [`SeqTracker`] remembers, so
/// that a peer that skips numbers on purpose cannot fill our memory.
pub const MAX_MISSING_RANGES: usize = 1024;
/// The most numbers one message may skip. A chat that loses more than a
/// million messages in a row is no chat: a bigger jump is a bogus number
/// (a peer that made it up), reported and not counted, so that it can
/// neither inflate the count of lost messages nor overflow it.
pub const MAX_JUMP: u64 = 1_000_000;

/// What a message is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A message a person typed.
    Msg,
    /// The sender leaves the chat. Over UDP this is the only way the other
    /// side can know: there is no connection, so there is no FIN.
    Bye,
}

impl Kind {
    /// The word on the wire: `msg` or `bye`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Msg => "msg",
            Kind::Bye => "bye",
        }
    }
}

/// One chat message, as it travels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub kind: Kind,
    /// 1 for the sender's first message, then one more for each message,
    /// the goodbye included.
    pub seq: u64,
    /// The sender's clock when it sent the message: milliseconds since the
    /// Unix epoch (UTC).
    pub time_ms: u64,
    /// The sender's name. Bytes, because a peer may send anything; shown
    /// with [`escape`].
    pub name: Vec<u8>,
    /// What the person typed (empty in a `bye`). Bytes, shown with [`escape`].
    pub text: Vec<u8>,
}

/// Why some bytes are not a chat message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Neither `msg` nor `bye` first.
    Kind,
    /// No sequence number from 1 up.
    Seq,
    /// No time in milliseconds.
    Time,
    /// No sender's name.
    Name,
}

impl ParseError {
    /// Every reason, for tests.
    pub const ALL: [ParseError; 4] = [
        ParseError::Kind,
        ParseError::Seq,
        ParseError::Time,
        ParseError::Name,
    ];

    /// Why, in `lang`: `does not start with `msg` or `bye``.
    pub fn message_in(self, lang: Lang) -> String {
        let id = match self {
            ParseError::Kind => "chat-parse-kind",
            ParseError::Seq => "chat-parse-seq",
            ParseError::Time => "chat-parse-time",
            ParseError::Name => "chat-parse-name",
        };
        i18n::tr_in(lang, id, &[])
    }
}

impl Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_in(i18n::lang()))
    }
}

impl std::error::Error for ParseError {}

impl Message {
    /// A message of `kind` from `name`, stamped `time_ms`.
    pub fn new(kind: Kind, seq: u64, time_ms: u64, name: &str, text: &[u8]) -> Message {
        Message {
            kind,
            seq,
            time_ms,
            name: name.as_bytes().to_vec(),
            text: text.to_vec(),
        }
    }

    /// The bytes on the wire, without a line end: `msg 7 1732449600123 bob hello`.
    /// A `bye` has no text: `bye 8 1732449601000 bob`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = format!("{} {} {} ", self.kind.as_str(), self.seq, self.time_ms).into_bytes();
        out.extend_from_slice(&self.name);
        if self.kind == Kind::Msg {
            out.push(b' ');
            out.extend_from_slice(&self.text);
        }
        out
    }

    /// Read one message (a line without its `\n`, or a datagram). The text
    /// is everything after the fourth space, kept as it is; a `bye` may carry
    /// text, which is ignored.
    pub fn parse(bytes: &[u8]) -> Result<Message, ParseError> {
        let mut fields = bytes.splitn(5, |&b| b == b' ');
        let kind = match fields.next() {
            Some(b"msg") => Kind::Msg,
            Some(b"bye") => Kind::Bye,
            _ => return Err(ParseError::Kind),
        };
        let seq = number(fields.next())
            .filter(|&s| s >= 1)
            .ok_or(ParseError::Seq)?;
        let time_ms = number(fields.next()).ok_or(ParseError::Time)?;
        let name = match fields.next() {
            Some(name) if !name.is_empty() => name.to_vec(),
            _ => return Err(ParseError::Name),
        };
        let text = match kind {
            Kind::Msg => fields.next().unwrap_or_default().to_vec(),
            Kind::Bye => Vec::new(),
        };
        Ok(Message {
            kind,
            seq,
            time_ms,
            name,
            text,
        })
    }

    /// How the receiver shows it: `[12:01:02] bob #7: hello` (time in UTC,
    /// name and text escaped, so that no byte from the network can drive
    /// the terminal).
    pub fn display_line(&self) -> String {
        format!(
            "[{}] {} #{}: {}",
            clock_utc(self.time_ms),
            escape(&self.name),
            self.seq,
            escape(&self.text)
        )
    }
}

/// Digits only (no sign, no spaces), as a u64.
fn number(field: Option<&[u8]>) -> Option<u64> {
    let field = field?;
    if field.is_empty() || !field.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(field).ok()?.parse().ok()
}

/// Check a name given with `--name`: 1 to [`MAX_NAME`] characters, no
/// spaces or control characters (the name is one field of the header).
/// For clap's `value_parser`.
pub fn parse_name(text: &str) -> Result<String, String> {
    let count = text.chars().count();
    if count == 0 || count > MAX_NAME {
        return Err(crate::t!("chat-name-length", max = MAX_NAME));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(crate::t!("chat-name-spaces"));
    }
    Ok(text.to_string())
}

/// `HH:MM:SS` of a time in milliseconds since the Unix epoch, in UTC (the
/// chat reads no time-zone database).
pub fn clock_utc(time_ms: u64) -> String {
    let secs = time_ms / 1000;
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600 % 24,
        secs / 60 % 60,
        secs % 60
    )
}

/// What one arriving sequence number means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The next one expected.
    InOrder,
    /// Some numbers were skipped: `first..=last` have not arrived (yet).
    /// The message itself is new and is shown.
    Gap { first: u64, last: u64 },
    /// A number that was counted as lost has arrived after all, after
    /// `after` (the highest seen): the network reordered the messages.
    Late { seq: u64, after: u64 },
    /// This number has been received already: a copy.
    Duplicate { seq: u64 },
    /// Too old to tell (older than anything still remembered as missing):
    /// neither counted as late nor as a copy.
    TooOld { seq: u64 },
    /// Number 1 again, after `after`: the sender has started afresh (a new
    /// program); counting starts over.
    Restart { after: u64 },
    /// More than [`MAX_JUMP`] past `after` (the highest seen): no sender of
    /// this chat can reach it, so the message is bogus. Not shown, and not
    /// counted as received, nor are the numbers it skips counted as lost.
    Bogus { seq: u64, after: u64 },
}

impl Verdict {
    /// True when the message should be shown (it is not a copy, nor bogus).
    pub fn is_new(self) -> bool {
        !matches!(
            self,
            Verdict::Duplicate { .. } | Verdict::TooOld { .. } | Verdict::Bogus { .. }
        )
    }

    /// The note printed before the message, if any, in the process's
    /// language: `2 messages lost (seq 5-6)`, `late: seq 4 arrived after
    /// 7`, `duplicate seq 3`.
    pub fn note(self) -> Option<String> {
        self.note_in(i18n::lang())
    }

    /// [`Verdict::note`] in `lang`.
    pub fn note_in(self, lang: Lang) -> Option<String> {
        let (id, args): (&str, Vec<(&str, Arg<'_>)>) = match self {
            Verdict::InOrder => return None,
            Verdict::Gap { first, last } => (
                "chat-gap",
                vec![
                    ("count", (last - first + 1).into()),
                    ("first", first.into()),
                    ("last", last.into()),
                ],
            ),
            Verdict::Late { seq, after } => (
                "chat-late",
                vec![("seq", seq.into()), ("after", after.into())],
            ),
            Verdict::Duplicate { seq } => ("chat-duplicate", vec![("seq", seq.into())]),
            Verdict::TooOld { seq } => ("chat-too-old", vec![("seq", seq.into())]),
            Verdict::Restart { after } => ("chat-restart", vec![("after", after.into())]),
            Verdict::Bogus { seq, after } => (
                "chat-bogus",
                vec![
                    ("seq", seq.into()),
                    ("jump", MAX_JUMP.into()),
                    ("after", after.into()),
                ],
            ),
        };
        Some(i18n::tr_in(lang, id, &args))
    }
}

/// The receiver's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Different messages received (copies not counted).
    pub received: u64,
    /// Numbers skipped and not arrived since.
    pub lost: u64,
    /// Messages that arrived after a higher number (each was counted as
    /// lost for a while).
    pub reordered: u64,
    /// Copies of messages already received.
    pub duplicates: u64,
    /// Messages with an impossible number ([`Verdict::Bogus`]).
    pub bogus: u64,
}

/// Follows the sequence numbers of one sender, as they arrive. Pure.
///
/// Numbers start at 1. Skipped numbers are remembered as ranges; a number
/// from a range is late, any other number below the highest is a copy.
#[derive(Clone, Debug)]
pub struct SeqTracker {
    /// The highest number seen so far (0: none yet).
    highest: u64,
    /// Numbers not received, below `highest`: first -> last (inclusive).
    missing: BTreeMap<u64, u64>,
    /// Numbers below this were forgotten (see [`MAX_MISSING_RANGES`]).
    forgotten_below: u64,
    counts: Counts,
}

impl Default for SeqTracker {
    fn default() -> Self {
        SeqTracker::new()
    }
}

impl SeqTracker {
    /// A tracker that expects number 1 first.
    pub fn new() -> SeqTracker {
        SeqTracker {
            highest: 0,
            missing: BTreeMap::new(),
            forgotten_below: 0,
            counts: Counts::default(),
        }
    }

    /// The counters so far.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// The highest number seen (0 before the first).
    pub fn highest(&self) -> u64 {
        self.highest
    }

    /// Take note of a goodbye's number: as [`SeqTracker::observe`] (so that
    /// messages lost just before the goodbye show as a gap), but a goodbye
    /// is not counted as a message received.
    pub fn observe_goodbye(&mut self, seq: u64) -> Verdict {
        let verdict = self.observe(seq);
        if verdict.is_new() {
            // observe() has just counted it.
            self.counts.received = self.counts.received.saturating_sub(1);
        }
        verdict
    }

    /// Take note of number `seq` and say what it means. The arithmetic
    /// cannot overflow, whatever numbers a peer sends.
    pub fn observe(&mut self, seq: u64) -> Verdict {
        if seq > self.highest {
            // highest < seq <= u64::MAX, so highest + 1 cannot overflow.
            let expected = self.highest + 1;
            if seq - expected > MAX_JUMP {
                self.counts.bogus = self.counts.bogus.saturating_add(1);
                return Verdict::Bogus {
                    seq,
                    after: self.highest,
                };
            }
            self.highest = seq;
            self.counts.received = self.counts.received.saturating_add(1);
            if seq == expected {
                return Verdict::InOrder;
            }
            let (first, last) = (expected, seq - 1);
            self.counts.lost = self.counts.lost.saturating_add(last - first + 1);
            self.missing.insert(first, last);
            if self.missing.len() > MAX_MISSING_RANGES {
                if let Some((_, oldest_last)) = self.missing.pop_first() {
                    // oldest_last < highest: + 1 cannot overflow.
                    self.forgotten_below = oldest_last + 1;
                }
            }
            return Verdict::Gap { first, last };
        }
        // At or below the highest: one we counted as lost, or a copy.
        let range = self
            .missing
            .range(..=seq)
            .next_back()
            .map(|(&first, &last)| (first, last))
            .filter(|&(_, last)| seq <= last);
        if let Some((first, last)) = range {
            // first <= seq <= last < highest: seq - 1 and seq + 1 stay in range.
            self.missing.remove(&first);
            if first < seq {
                self.missing.insert(first, seq - 1);
            }
            if seq < last {
                self.missing.insert(seq + 1, last);
            }
            self.counts.lost = self.counts.lost.saturating_sub(1);
            self.counts.reordered = self.counts.reordered.saturating_add(1);
            self.counts.received = self.counts.received.saturating_add(1);
            return Verdict::Late {
                seq,
                after: self.highest,
            };
        }
        if seq == 1 && self.highest > 1 {
            // A copy of number 1 looks the same; a restarted sender is far
            // more likely. Keep the counters, forget the numbers.
            let after = self.highest;
            self.highest = 1;
            self.missing.clear();
            self.forgotten_below = 0;
            self.counts.received = self.counts.received.saturating_add(1);
            return Verdict::Restart { after };
        }
        if seq < self.forgotten_below {
            return Verdict::TooOld { seq };
        }
        self.counts.duplicates = self.counts.duplicates.saturating_add(1);
        Verdict::Duplicate { seq }
    }
}

/// The report a chat prints when it ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Messages we sent (the goodbye not counted).
    pub sent: u64,
    /// What we counted about the peer's messages.
    pub counts: Counts,
}

impl Report {
    /// The report in `lang`: `sent 20, received 18, lost 2, reordered 0,
    /// duplicates 0`, and `, bogus 1` when some messages had impossible
    /// numbers.
    pub fn text_in(&self, lang: Lang) -> String {
        let c = self.counts;
        let counts = [
            ("sent", Arg::from(self.sent)),
            ("received", c.received.into()),
            ("lost", c.lost.into()),
            ("reordered", c.reordered.into()),
            ("duplicates", c.duplicates.into()),
        ];
        let mut text = i18n::tr_in(lang, "chat-report", &counts);
        if c.bogus > 0 {
            text.push_str(&i18n::tr_in(
                lang,
                "chat-report-bogus",
                &[("bogus", c.bogus.into())],
            ));
        }
        text
    }
}

impl Display for Report {
    /// [`Report::text_in`] in the process's language.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text_in(i18n::lang()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_reads_the_same_in_a_capture() {
        let m = Message::new(Kind::Msg, 7, 1_732_449_600_123, "bob", b"hello there");
        let wire = m.encode();
        assert_eq!(wire, b"msg 7 1732449600123 bob hello there");
        assert_eq!(Message::parse(&wire), Ok(m));
    }

    #[test]
    fn a_goodbye_has_no_text() {
        let bye = Message::new(Kind::Bye, 21, 1_732_449_601_000, "alice", b"");
        assert_eq!(bye.encode(), b"bye 21 1732449601000 alice");
        assert_eq!(Message::parse(&bye.encode()), Ok(bye.clone()));
        // Text after a goodbye is ignored, not an error.
        assert_eq!(
            Message::parse(b"bye 21 1732449601000 alice see you"),
            Ok(bye)
        );
    }

    #[test]
    fn the_text_keeps_spaces_tabs_and_any_bytes() {
        let m = Message::parse(b"msg 1 0 bob  two  spaces\tand a tab \xff").unwrap();
        assert_eq!(m.text, b" two  spaces\tand a tab \xff");
        let empty = Message::parse(b"msg 2 0 bob").unwrap();
        assert_eq!(empty.text, b"", "no text field: an empty message");
        let also_empty = Message::parse(b"msg 3 0 bob ").unwrap();
        assert_eq!(also_empty.text, b"");
    }

    #[test]
    fn what_is_not_a_message_says_why() {
        assert_eq!(Message::parse(b"hello world"), Err(ParseError::Kind));
        assert_eq!(Message::parse(b""), Err(ParseError::Kind));
        assert_eq!(Message::parse(b"MSG 1 0 bob hi"), Err(ParseError::Kind));
        assert_eq!(
            Message::parse(b"msg 0 0 bob hi"),
            Err(ParseError::Seq),
            "numbers start at 1"
        );
        assert_eq!(Message::parse(b"msg -1 0 bob hi"), Err(ParseError::Seq));
        assert_eq!(Message::parse(b"msg +1 0 bob hi"), Err(ParseError::Seq));
        assert_eq!(
            Message::parse(b"msg 99999999999999999999 0 bob hi"),
            Err(ParseError::Seq),
            "over u64"
        );
        assert_eq!(Message::parse(b"msg 1 noon bob hi"), Err(ParseError::Time));
        assert_eq!(Message::parse(b"msg 1 0"), Err(ParseError::Name));
        assert_eq!(Message::parse(b"msg 1 0 "), Err(ParseError::Name));
        assert_eq!(Message::parse(b"msg 1  bob hi"), Err(ParseError::Time));
    }

    #[test]
    fn the_display_line_escapes_what_the_peer_sent() {
        let m = Message::new(Kind::Msg, 7, 3_723_004, "bob", b"hi \x1b[2J caf\xe9");
        // 3_723_004 ms = 1 h 2 min 3.004 s after midnight, 1 January 1970.
        assert_eq!(m.display_line(), "[01:02:03] bob #7: hi \\x1b[2J caf\\xe9");
        let odd = Message::parse(b"msg 1 0 b\xffb \xe2\x9c\x93").unwrap();
        assert_eq!(odd.display_line(), "[00:00:00] b\\xffb #1: \u{2713}");
    }

    #[test]
    fn clock_wraps_at_midnight() {
        assert_eq!(clock_utc(0), "00:00:00");
        assert_eq!(clock_utc(86_399_999), "23:59:59");
        assert_eq!(clock_utc(86_400_000), "00:00:00");
        // 2024-11-24 12:00:00.123 UTC
        assert_eq!(clock_utc(1_732_449_600_123), "12:00:00");
    }

    #[test]
    fn names_are_one_field() {
        assert_eq!(parse_name("alice"), Ok("alice".into()));
        assert_eq!(parse_name("élodie"), Ok("élodie".into()));
        assert!(parse_name("").is_err());
        assert!(parse_name("two words").unwrap_err().contains("spaces"));
        assert!(parse_name("tab\there").is_err());
        assert!(parse_name(&"x".repeat(MAX_NAME)).is_ok());
        assert!(parse_name(&"x".repeat(MAX_NAME + 1)).is_err());
    }

    fn verdicts(seqs: &[u64]) -> (Vec<Verdict>, Counts) {
        let mut t = SeqTracker::new();
        let v = seqs.iter().map(|&s| t.observe(s)).collect();
        (v, t.counts())
    }

    #[test]
    fn in_order_counts_nothing_but_receipts() {
        let (v, c) = verdicts(&[1, 2, 3]);
        assert!(v.iter().all(|&v| v == Verdict::InOrder));
        assert_eq!(
            c,
            Counts {
                received: 3,
                ..Counts::default()
            }
        );
    }

    #[test]
    fn a_gap_is_reported_when_the_next_number_arrives() {
        let (v, c) = verdicts(&[1, 2, 5, 6, 8]);
        assert_eq!(v[2], Verdict::Gap { first: 3, last: 4 });
        assert_eq!(v[2].note().unwrap(), "2 messages lost (seq 3-4)");
        assert_eq!(v[4], Verdict::Gap { first: 7, last: 7 });
        assert_eq!(v[4].note().unwrap(), "1 message lost (seq 7)");
        assert_eq!(c.lost, 3);
        assert_eq!(c.received, 5);
    }

    #[test]
    fn the_first_message_may_already_be_late() {
        let (v, c) = verdicts(&[3]);
        assert_eq!(v[0], Verdict::Gap { first: 1, last: 2 });
        assert_eq!(c.lost, 2);
    }

    #[test]
    fn a_late_message_is_taken_off_the_lost_count() {
        let (v, c) = verdicts(&[1, 2, 5, 6, 7, 4, 3]);
        assert_eq!(
            v[5],
            Verdict::Late { seq: 4, after: 7 },
            "late: seq 4 arrived after 7"
        );
        assert_eq!(v[5].note().unwrap(), "late: seq 4 arrived after 7");
        assert_eq!(v[6], Verdict::Late { seq: 3, after: 7 });
        assert_eq!(
            c,
            Counts {
                received: 7,
                lost: 0,
                reordered: 2,
                duplicates: 0,
                bogus: 0
            }
        );
    }

    #[test]
    fn a_late_message_in_the_middle_of_a_gap_splits_it() {
        let mut t = SeqTracker::new();
        t.observe(1);
        assert_eq!(t.observe(10), Verdict::Gap { first: 2, last: 9 });
        assert_eq!(t.observe(5), Verdict::Late { seq: 5, after: 10 });
        assert_eq!(
            t.observe(5),
            Verdict::Duplicate { seq: 5 },
            "5 is no longer missing"
        );
        assert_eq!(t.observe(2), Verdict::Late { seq: 2, after: 10 });
        assert_eq!(t.observe(9), Verdict::Late { seq: 9, after: 10 });
        assert_eq!(t.counts().lost, 5, "3, 4, 6, 7, 8");
        for s in [3, 4, 6, 7, 8] {
            assert!(matches!(t.observe(s), Verdict::Late { .. }), "seq {s}");
        }
        assert_eq!(t.counts().lost, 0);
        assert_eq!(t.counts().reordered, 8);
    }

    #[test]
    fn a_goodbye_reveals_the_last_losses_but_is_not_a_message() {
        let mut t = SeqTracker::new();
        t.observe(1);
        assert_eq!(t.observe_goodbye(4), Verdict::Gap { first: 2, last: 3 });
        assert_eq!(t.observe_goodbye(4), Verdict::Duplicate { seq: 4 });
        assert_eq!(
            t.counts(),
            Counts {
                received: 1,
                lost: 2,
                reordered: 0,
                duplicates: 1,
                bogus: 0
            }
        );
    }

    #[test]
    fn a_copy_is_a_duplicate_and_not_shown() {
        let (v, c) = verdicts(&[1, 2, 3, 3, 2]);
        assert_eq!(v[3], Verdict::Duplicate { seq: 3 });
        assert_eq!(v[3].note().unwrap(), "duplicate seq 3 (not shown again)");
        assert!(!v[3].is_new() && !v[4].is_new());
        assert_eq!(c.duplicates, 2);
        assert_eq!(c.received, 3);
    }

    #[test]
    fn number_one_again_means_the_peer_restarted() {
        let (v, c) = verdicts(&[1, 2, 3, 1, 2]);
        assert_eq!(v[3], Verdict::Restart { after: 3 });
        assert!(v[3].is_new());
        assert_eq!(v[4], Verdict::InOrder);
        assert_eq!(c.received, 5);
        assert_eq!(c.duplicates, 0);
        // But a copy of 1 right after 1 is a copy.
        let (v, _) = verdicts(&[1, 1]);
        assert_eq!(v[1], Verdict::Duplicate { seq: 1 });
    }

    #[test]
    fn memory_of_missing_numbers_is_bounded() {
        let mut t = SeqTracker::new();
        // Every other number: one missing range per message.
        for i in 0..(MAX_MISSING_RANGES as u64 + 10) {
            t.observe(2 * i + 2);
        }
        assert_eq!(t.missing.len(), MAX_MISSING_RANGES);
        assert_eq!(t.counts().lost, MAX_MISSING_RANGES as u64 + 10);
        assert_eq!(t.observe(3), Verdict::TooOld { seq: 3 }, "forgotten");
        let newest_missing = 2 * (MAX_MISSING_RANGES as u64 + 9) + 1;
        assert!(matches!(t.observe(newest_missing), Verdict::Late { .. }));
    }

    #[test]
    fn a_big_jump_is_one_range() {
        let mut t = SeqTracker::new();
        t.observe(1);
        let last = 1 + MAX_JUMP;
        assert_eq!(t.observe(last + 1), Verdict::Gap { first: 2, last });
        assert_eq!(t.counts().lost, MAX_JUMP, "as many as may be skipped");
        assert_eq!(t.observe(last + 1), Verdict::Duplicate { seq: last + 1 });
    }

    #[test]
    fn an_impossible_jump_is_bogus_and_counts_nothing() {
        // The peer of issue 10: 1, 2^64-1, 1... A debug build used to panic
        // on the overflow, a release build to report 18446744073709551613 lost.
        let seqs = [1, u64::MAX, 1, 2, u64::MAX - 1, 3, MAX_JUMP + 5];
        let (v, c) = verdicts(&seqs);
        assert_eq!(
            v,
            vec![
                Verdict::InOrder,
                Verdict::Bogus {
                    seq: u64::MAX,
                    after: 1
                },
                Verdict::Duplicate { seq: 1 },
                Verdict::InOrder,
                Verdict::Bogus {
                    seq: u64::MAX - 1,
                    after: 2
                },
                Verdict::InOrder,
                Verdict::Bogus {
                    seq: MAX_JUMP + 5,
                    after: 3
                },
            ]
        );
        assert_eq!(
            c,
            Counts {
                received: 3,
                lost: 0,
                reordered: 0,
                duplicates: 1,
                bogus: 3
            }
        );
        assert!(!v[1].is_new(), "a bogus message is not shown");
        assert_eq!(
            v[1].note().unwrap(),
            "bogus message: seq 18446744073709551615 is more than 1000000 past the highest so far (1), not a number this chat can reach (not shown, not counted)"
        );
        // The first message too: a peer may have sent a few before we
        // started, not a million.
        let (v, c) = verdicts(&[u64::MAX]);
        assert!(matches!(v[0], Verdict::Bogus { .. }));
        assert_eq!((c.received, c.lost), (0, 0));
        // A goodbye with an impossible number is no goodbye.
        let mut t = SeqTracker::new();
        t.observe(1);
        assert!(!t.observe_goodbye(u64::MAX).is_new());
        assert_eq!(t.counts().received, 1);
        let report = Report { sent: 0, counts: c };
        assert_eq!(
            report.to_string(),
            "sent 0, received 0, lost 0, reordered 0, duplicates 0, bogus 1"
        );
    }

    #[test]
    fn every_fact_of_the_chat_is_said_in_both_languages() {
        let verdicts = [
            Verdict::Gap { first: 7, last: 7 },
            Verdict::Gap { first: 3, last: 4 },
            Verdict::Late { seq: 4, after: 7 },
            Verdict::Duplicate { seq: 3 },
            Verdict::TooOld { seq: 2 },
            Verdict::Restart { after: 9 },
            Verdict::Bogus {
                seq: u64::MAX,
                after: 1,
            },
        ];
        let mut said: Vec<(String, String)> = verdicts
            .iter()
            .map(|v| (v.note_in(Lang::En).unwrap(), v.note_in(Lang::PtBr).unwrap()))
            .collect();
        assert_eq!(Verdict::InOrder.note_in(Lang::PtBr), None);
        said.extend(
            ParseError::ALL
                .iter()
                .map(|e| (e.message_in(Lang::En), e.message_in(Lang::PtBr))),
        );
        let report = sample_report;
        for r in [report(0), report(1)] {
            said.push((r.text_in(Lang::En), r.text_in(Lang::PtBr)));
        }
        for (en, pt) in &said {
            assert!(!en.is_empty() && !pt.is_empty());
            assert!(!pt.contains("chat-") && !pt.contains('{'), "{pt}");
            assert_ne!(en, pt);
        }
        // Plurals, and every digit of a huge number.
        assert_eq!(said[0].1, "1 mensagem perdida (seq 7)");
        assert_eq!(said[1].1, "2 mensagens perdidas (seq 3-4)");
        assert!(said[6].1.contains("18446744073709551615"), "{}", said[6].1);
        assert_eq!(
            report(1).text_in(Lang::PtBr),
            "enviadas 20, recebidas 18, perdidas 2, fora de ordem 1, duplicadas 0, falsas 1"
        );
    }

    /// 20 sent, 18 received, 2 lost, 1 reordered, and `bogus`.
    fn sample_report(bogus: u64) -> Report {
        Report {
            sent: 20,
            counts: Counts {
                received: 18,
                lost: 2,
                reordered: 1,
                duplicates: 0,
                bogus,
            },
        }
    }

    #[test]
    fn the_report_is_one_line() {
        let r = sample_report(0);
        assert_eq!(
            r.to_string(),
            "sent 20, received 18, lost 2, reordered 1, duplicates 0"
        );
    }
}
