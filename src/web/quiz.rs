//! `capture -r FILE --quiz`: the browser view's predict mode in a terminal,
//! for a student alone. Before each segment is shown, the student says
//! which flags it carries, what it acknowledges and which state a side is
//! in after it; the answers are checked against the real packet and scored
//! per kind of question.
//!
//! The questions are the page's (`assets/app.js`, `questionsFor`): the same
//! three kinds, asked on the same segments, with the same answers.

use std::io::{self, BufRead, Write};
use std::path::Path;

use anyhow::Result;

use crate::capture::run::{read_events, MAX_SIDECAR_EVENTS};
use crate::capture::{Next, Source};
use crate::render::{side_word, End, Item, Render};
use crate::t;
use crate::timeline::Timeline;
use crate::track::{Annotation, Side, TcpState};
use crate::wire::{Segment, TcpFlags};

/// Most items a quiz holds (a lecture's capture is a few hundred).
pub const MAX_ITEMS: usize = 20_000;

/// The three kinds of question, in the order they are asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Which flags does the segment carry?
    Flags,
    /// What does it acknowledge (relative), or none?
    Ack,
    /// Which state is a side in after it?
    State,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Flags, Kind::Ack, Kind::State];

    fn index(self) -> usize {
        match self {
            Kind::Flags => 0,
            Kind::Ack => 1,
            Kind::State => 2,
        }
    }

    fn name(self) -> String {
        match self {
            Kind::Flags => t!("capture-quiz-kind-flags"),
            Kind::Ack => t!("capture-quiz-kind-ack"),
            Kind::State => t!("capture-quiz-kind-state"),
        }
    }
}

/// What the real packet says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Flag names in header order (`["SYN", "ACK"]`), empty for none.
    Flags(Vec<&'static str>),
    /// Relative and absolute acknowledgement number, `None` without ACK.
    Ack(Option<(u32, u32)>),
    /// The side asked about and its state after the segment.
    State(Side, TcpState),
}

/// One question about the next segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub kind: Kind,
    pub answer: Answer,
}

impl Question {
    /// The prompt, as the terminal asks it.
    pub fn prompt(&self) -> String {
        match &self.answer {
            Answer::Flags(_) => t!("capture-quiz-ask-flags"),
            Answer::Ack(_) => t!("capture-quiz-ask-ack"),
            Answer::State(side, _) => t!("capture-quiz-ask-state", side = side_word(*side)),
        }
    }

    /// The right answer in words.
    pub fn expected(&self) -> String {
        match &self.answer {
            Answer::Flags(f) if f.is_empty() => t!("capture-quiz-none"),
            Answer::Flags(f) => f.join(" "),
            Answer::Ack(None) => t!("capture-quiz-no-ack"),
            Answer::Ack(Some((rel, abs))) => t!("capture-quiz-ack", rel = *rel, abs = *abs),
            Answer::State(_, s) => s.as_str().into(),
        }
    }

    /// Is `given` right?
    pub fn check(&self, given: &str) -> bool {
        match &self.answer {
            Answer::Flags(want) => parse_flags(given).is_some_and(|got| {
                let mut want: Vec<&str> = want.clone();
                want.sort_unstable();
                got == want
            }),
            Answer::Ack(want) => {
                let g = given.trim().to_ascii_lowercase();
                match want {
                    // "nenhum", "não": the Portuguese answers.
                    None => matches!(
                        g.as_str(),
                        "none" | "-" | "no" | "0" | "nenhum" | "não" | "nao"
                    ),
                    Some((rel, abs)) => g.parse::<u32>().is_ok_and(|n| n == *rel || n == *abs),
                }
            }
            Answer::State(_, want) => parse_state(given) == Some(*want),
        }
    }
}

/// Flag names from an answer: names (`SYN ACK`, `syn-ack`, `SYN,ACK`) or
/// tcpdump's letters (`S.`); sorted. `None` when a word is neither.
pub fn parse_flags(given: &str) -> Option<Vec<&'static str>> {
    const NAMES: [&str; 8] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];
    const LETTERS: [(char, &str); 8] = [
        ('F', "FIN"),
        ('S', "SYN"),
        ('R', "RST"),
        ('P', "PSH"),
        ('.', "ACK"),
        ('U', "URG"),
        ('E', "ECE"),
        ('W', "CWR"),
    ];
    let mut out: Vec<&'static str> = Vec::new();
    for word in given
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '+' | '-' | '/' | '|'))
        .filter(|w| !w.is_empty())
    {
        let up = word.to_ascii_uppercase();
        if up == "NONE" || up == "NENHUM" {
            continue;
        }
        let alias = match up.as_str() {
            "PUSH" => "PSH",
            "RESET" => "RST",
            other => other,
        };
        if let Some(name) = NAMES.iter().find(|n| **n == alias) {
            out.push(name);
            continue;
        }
        // No flag name is made only of tcpdump's letters, so this is safe.
        for c in up.chars() {
            let (_, name) = LETTERS.iter().find(|(l, _)| *l == c)?;
            out.push(name);
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// A state from an answer: `SYN-SENT`, `syn_sent`, `syn sent`, and the
/// names `ss` and `netstat` print (`SYN-RECV`, `ESTAB`).
pub fn parse_state(given: &str) -> Option<TcpState> {
    use TcpState::*;
    let key: String = given
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    if let Some(s) = TcpState::RFC
        .iter()
        .find(|s| s.as_str().replace('-', "") == key)
    {
        return Some(*s);
    }
    match key.as_str() {
        "SYNRECV" | "SYNRCVD" => Some(SynReceived),
        "ESTAB" => Some(Established),
        _ => None,
    }
}

/// The questions about `seg`, given each side's state before it.
pub fn questions(seg: &Segment, ann: &Annotation, before: (TcpState, TcpState)) -> Vec<Question> {
    let mut out = vec![
        Question {
            kind: Kind::Flags,
            answer: Answer::Flags(seg.flags.names()),
        },
        Question {
            kind: Kind::Ack,
            answer: Answer::Ack(
                seg.flags
                    .has(TcpFlags::ACK)
                    .then_some((ann.rel_ack, seg.ack.0)),
            ),
        },
    ];
    for (side, was, now) in [
        (Side::Client, before.0, ann.client_state),
        (Side::Server, before.1, ann.server_state),
    ] {
        if was != now {
            out.push(Question {
                kind: Kind::State,
                answer: Answer::State(side, now),
            });
        }
    }
    out
}

/// Right answers and questions asked, per kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Score {
    pub right: [u32; 3],
    pub asked: [u32; 3],
}

impl Score {
    fn add(&mut self, kind: Kind, right: bool) {
        self.asked[kind.index()] += 1;
        self.right[kind.index()] += u32::from(right);
    }
}

impl std::fmt::Display for Score {
    /// `flags 3/4 · ack number 2/4 · state 5/6 · total 10/14`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for k in Kind::ALL {
            let i = k.index();
            write!(f, "{} {}/{} · ", k.name(), self.right[i], self.asked[i])?;
        }
        let right: u32 = self.right.iter().sum();
        let asked: u32 = self.asked.iter().sum();
        f.write_str(&t!("capture-quiz-total", right = right, asked = asked))
    }
}

/// Collects what the session draws.
#[derive(Default)]
struct Collect {
    items: Vec<Item>,
    left_out: u64,
}

impl Render for Collect {
    fn item(&mut self, item: &Item) -> io::Result<()> {
        if matches!(item, Item::Segment { .. } | Item::Call(_)) {
            if self.items.len() < MAX_ITEMS {
                self.items.push(item.clone());
            } else {
                self.left_out += 1;
            }
        }
        Ok(())
    }
    fn end(&mut self, _: &End) -> io::Result<()> {
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Read the segments and calls of a pcap file (and its events sidecar).
fn collect(path: &Path, filter: Option<&str>) -> Result<Collect> {
    let mut source = Source::file(path, filter)?;
    let mut timeline = Timeline::new(source.link_type(), std::time::Duration::ZERO)
        .with_call_limit(MAX_SIDECAR_EVENTS);
    read_events(path, |ev| {
        timeline.event(ev, None);
    })?;
    let mut out = Collect::default();
    loop {
        match source.next_packet()? {
            Next::Packet(p, _) => {
                timeline.packet(p.t, p.data);
                while let Some(item) = timeline.pop(Some(timeline.newest())) {
                    out.item(&item)?;
                }
            }
            Next::Idle => continue,
            Next::End => break,
        }
    }
    timeline.close();
    while let Some(item) = timeline.pop(None) {
        out.item(&item)?;
    }
    Ok(out)
}

/// The segment as the answer reveals it: `SYN-ACK seq 0 ack 1 win 65483 ·
/// client ESTABLISHED · server SYN-RECEIVED (handshake-2)`.
fn reveal(seg: &Segment, ann: &Annotation) -> String {
    let mut s = format!("{} seq {}", seg.flags.label(), ann.rel_seq);
    if seg.flags.has(TcpFlags::ACK) {
        s.push_str(&format!(" ack {}", ann.rel_ack));
    }
    s.push_str(&format!(" win {} len {}", seg.window, seg.payload_len));
    t!(
        "capture-quiz-reveal",
        segment = s,
        client = ann.client_state.to_string(),
        server = ann.server_state.to_string(),
        step = ann.step.to_string()
    )
}

/// Ask about every segment of `path` (of connection `conn` if given),
/// reading answers from `input` and writing to `out`; end of input ends the
/// quiz early. Returns the score.
pub fn run(
    path: &Path,
    filter: Option<&str>,
    conn: Option<u64>,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<Score> {
    let collected = collect(path, filter)?;
    let mut score = Score::default();
    let mut states: std::collections::HashMap<u64, (TcpState, TcpState)> = Default::default();
    writeln!(out, "{}", t!("capture-quiz-intro"))?;
    if collected.left_out > 0 {
        let n = collected.left_out;
        writeln!(
            out,
            "{}",
            t!("capture-quiz-left-out", max = MAX_ITEMS, n = n)
        )?;
    }
    let mut line = String::new();
    'items: for item in &collected.items {
        match item {
            Item::Call(c) if conn.is_none() || c.conn == conn => {
                let text = crate::render::text::call_words(c);
                writeln!(out, "  {}: {text}", c.ev.who())?;
            }
            Item::Segment { seg, ann, .. } => {
                let Some(n) = ann.conn else { continue };
                if conn.is_some_and(|c| c != n) {
                    continue;
                }
                let before = *states
                    .entry(n)
                    .or_insert((TcpState::Closed, TcpState::Listen));
                let (from, to) = match ann.dir {
                    crate::track::Dir::C2S => (Side::Client, Side::Server),
                    crate::track::Dir::S2C => (Side::Server, Side::Client),
                };
                let next = t!(
                    "capture-quiz-next",
                    conn = n,
                    from = side_word(from),
                    src = seg.src.to_string(),
                    to = side_word(to),
                    dst = seg.dst.to_string()
                );
                writeln!(out, "\n{next}")?;
                for q in questions(seg, ann, before) {
                    write!(out, "  {} ", q.prompt())?;
                    out.flush()?;
                    line.clear();
                    if input.read_line(&mut line)? == 0 {
                        writeln!(out)?;
                        break 'items;
                    }
                    let right = q.check(&line);
                    score.add(q.kind, right);
                    let answer = q.expected();
                    if right {
                        writeln!(out, "    {}", t!("capture-quiz-right", answer = answer))?;
                    } else {
                        writeln!(out, "    {}", t!("capture-quiz-not-quite", answer = answer))?;
                    }
                }
                let segment = reveal(seg, ann);
                writeln!(out, "  {}", t!("capture-quiz-it-was", segment = segment))?;
                states.insert(n, (ann.client_state, ann.server_state));
            }
            _ => {}
        }
    }
    writeln!(
        out,
        "\n{}",
        t!("capture-quiz-score", score = score.to_string())
    )?;
    out.flush()?;
    Ok(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_in_any_spelling() {
        assert_eq!(parse_flags("SYN ACK"), Some(vec!["ACK", "SYN"]));
        assert_eq!(parse_flags("syn-ack"), Some(vec!["ACK", "SYN"]));
        assert_eq!(parse_flags("ACK,SYN"), Some(vec!["ACK", "SYN"]));
        assert_eq!(parse_flags("S."), Some(vec!["ACK", "SYN"]));
        assert_eq!(parse_flags("FP."), Some(vec!["ACK", "FIN", "PSH"]));
        assert_eq!(parse_flags("push ack"), Some(vec!["ACK", "PSH"]));
        assert_eq!(parse_flags("none"), Some(vec![]));
        assert_eq!(parse_flags("SYNACK"), None, "not a name, not letters");
    }

    #[test]
    fn states_in_any_spelling() {
        assert_eq!(parse_state("SYN-SENT"), Some(TcpState::SynSent));
        assert_eq!(parse_state("syn_recv"), Some(TcpState::SynReceived));
        assert_eq!(parse_state("time wait"), Some(TcpState::TimeWait));
        assert_eq!(parse_state("fin-wait-2"), Some(TcpState::FinWait2));
        assert_eq!(parse_state("estab"), Some(TcpState::Established));
        assert_eq!(parse_state("open"), None);
    }

    #[test]
    fn ack_answers_take_relative_or_absolute() {
        let q = Question {
            kind: Kind::Ack,
            answer: Answer::Ack(Some((1, 3_476_522))),
        };
        assert!(q.check("1\n"));
        assert!(q.check(" 3476522 "));
        assert!(!q.check("2"));
        let none = Question {
            kind: Kind::Ack,
            answer: Answer::Ack(None),
        };
        assert!(none.check("none") && none.check("-") && !none.check("1"));
    }

    #[test]
    fn the_score_reads_per_kind() {
        let mut s = Score::default();
        s.add(Kind::Flags, true);
        s.add(Kind::Flags, false);
        s.add(Kind::State, true);
        assert_eq!(
            s.to_string(),
            "flags 1/2 · ack number 0/0 · state 1/1 · total 2/3"
        );
    }
}
