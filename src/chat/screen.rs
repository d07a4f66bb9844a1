//! The chat's terminal: the prompt on its last line, and a guard that keeps
//! a flood of messages from burying it. Nothing here touches a socket.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::narrate::Prompt;

/// Received messages shown per second on a terminal; more are counted, not shown.
pub const SHOWN_PER_SECOND: u32 = 50;

/// How many received messages to show per second (`None`: all): `asked`
/// with `--show-limit` (0: all), else [`SHOWN_PER_SECOND`] on a terminal.
pub fn show_limit(asked: Option<u32>, interactive: bool) -> Option<u32> {
    match asked {
        Some(0) => None,
        Some(limit) => Some(limit),
        None if interactive => Some(SHOWN_PER_SECOND),
        None => None,
    }
}

/// Limits how many received messages are shown per second on a terminal, so
/// that a peer flooding us cannot bury the prompt. Hidden messages are still
/// counted. Pure: the time comes in with each call.
#[derive(Clone, Debug)]
pub struct FloodGuard {
    /// Most messages shown per second; `None`: no limit.
    limit: Option<u32>,
    window_start: Option<Instant>,
    shown: u32,
    hidden: u64,
}

/// What [`FloodGuard::admit`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admit {
    /// Show this one.
    pub show: bool,
    /// How many were hidden in the second that just ended (say so now).
    pub hidden_before: u64,
}

/// The length of a [`FloodGuard`] window.
const FLOOD_WINDOW: Duration = Duration::from_secs(1);

impl FloodGuard {
    /// At most `limit` messages shown per second (`None`: all of them).
    pub fn new(limit: Option<u32>) -> FloodGuard {
        FloodGuard {
            limit,
            window_start: None,
            shown: 0,
            hidden: 0,
        }
    }

    /// A message arrives at `now`: show it or not?
    pub fn admit(&mut self, now: Instant) -> Admit {
        let mut hidden_before = 0;
        let new_window = self
            .window_start
            .map_or(true, |start| now.duration_since(start) >= FLOOD_WINDOW);
        if new_window {
            hidden_before = std::mem::take(&mut self.hidden);
            self.window_start = Some(now);
            self.shown = 0;
        }
        let show = self.limit.map_or(true, |limit| self.shown < limit);
        if show {
            self.shown += 1;
        } else {
            self.hidden += 1;
        }
        Admit {
            show,
            hidden_before,
        }
    }

    /// Hidden in the current second and not yet reported (at the end).
    pub fn take_hidden(&mut self) -> u64 {
        std::mem::take(&mut self.hidden)
    }
}

/// Moves the cursor to the start of the line and clears the line (ANSI).
pub const CLEAR_LINE: &str = "\r\x1b[2K";

/// The terminal's last line, where the prompt waits while the person types.
///
/// Received messages must appear *above* the prompt, not in the middle of the
/// line being typed: the narrator ([`crate::narrate::Narrator::with_prompt`])
/// clears the prompt line before each line it prints and draws the prompt
/// again after it. Without a terminal on both stdin and stdout (a pipe, a
/// test) there is no prompt and lines are only printed.
///
/// What the person has typed so far cannot be drawn again: in the
/// terminal's normal ("cooked") mode the kernel's terminal driver holds the
/// line until Enter, and the program cannot read it back. The characters
/// vanish from the screen, but they are still there, and Enter sends them.
/// (Redrawing them would take raw mode and a line editor of our own, as
/// readline has.)
#[derive(Debug)]
pub struct Screen {
    prompt: Option<String>,
    /// Set by [`Screen::start`]: the conversation has begun.
    started: AtomicBool,
    /// Set by [`Screen::finish`]: no prompt any more.
    finished: AtomicBool,
}

impl Screen {
    /// A screen with `prompt` (e.g. `alice> `), or `None` for no prompt.
    pub fn new(prompt: Option<String>) -> Screen {
        Screen {
            prompt,
            started: AtomicBool::new(false),
            finished: AtomicBool::new(false),
        }
    }

    /// The screen of a person typing as `name`: a prompt `name> ` when
    /// stdin and stdout are both a terminal.
    pub fn for_terminal(name: &str) -> Screen {
        Screen::new(interactive().then(|| format!("{name}> ")))
    }

    /// True when a prompt is drawn (stdin and stdout are a terminal).
    pub fn has_prompt(&self) -> bool {
        self.prompt.is_some()
    }

    /// The conversation begins: draw the prompt.
    pub fn start(&self) {
        self.started.store(true, Ordering::SeqCst);
        self.redraw();
    }

    /// Draw the prompt again (the person pressed Enter on an empty line).
    pub fn redraw(&self) {
        self.draw(&mut io::stdout().lock());
    }

    /// The conversation is over: clear the prompt and never draw it again.
    pub fn finish(&self) {
        self.finish_on(&mut io::stdout().lock());
    }

    /// [`Screen::finish`] on `out`.
    pub fn finish_on(&self, out: &mut dyn Write) {
        if self.prompt.is_some() && !self.finished.swap(true, Ordering::SeqCst) {
            let _ = out.write_all(CLEAR_LINE.as_bytes());
            let _ = out.flush();
        }
    }

    /// Whether the prompt is on the screen now.
    fn shown(&self) -> bool {
        self.prompt.is_some()
            && self.started.load(Ordering::SeqCst)
            && !self.finished.load(Ordering::SeqCst)
    }
}

impl Prompt for Screen {
    fn clear(&self, out: &mut dyn Write) {
        if self.shown() {
            let _ = out.write_all(CLEAR_LINE.as_bytes());
        }
    }

    fn draw(&self, out: &mut dyn Write) {
        if let (true, Some(prompt)) = (self.shown(), &self.prompt) {
            let _ = out.write_all(CLEAR_LINE.as_bytes());
            let _ = out.write_all(prompt.as_bytes());
            let _ = out.flush();
        }
    }
}

/// True when a person is typing and reading: stdin and stdout are a terminal.
pub fn interactive() -> bool {
    io::stdin().is_terminal() && io::stdout().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_shown_up_to_the_limit_and_then_summed_up() {
        let t0 = Instant::now();
        let mut g = FloodGuard::new(Some(2));
        let at = |ms| t0 + Duration::from_millis(ms);
        assert!(g.admit(at(0)).show);
        assert!(g.admit(at(10)).show);
        assert!(!g.admit(at(20)).show);
        assert!(!g.admit(at(30)).show);
        let next = g.admit(at(1000));
        assert_eq!(
            next,
            Admit {
                show: true,
                hidden_before: 2
            }
        );
        assert!(g.admit(at(1001)).show);
        assert!(!g.admit(at(1002)).show);
        assert_eq!(g.take_hidden(), 1);
        assert_eq!(g.take_hidden(), 0);
        let mut all = FloodGuard::new(None);
        assert!((0..10_000).all(|i| all.admit(at(i / 100)).show));
    }

    #[test]
    fn the_prompt_is_cleared_and_redrawn() {
        let screen = Screen::new(Some("alice> ".into()));
        let mut before = Vec::new();
        screen.draw(&mut before);
        assert!(
            before.is_empty(),
            "no prompt before the conversation starts"
        );
        screen.started.store(true, Ordering::SeqCst);
        let mut out = Vec::new();
        screen.clear(&mut out);
        screen.draw(&mut out);
        assert_eq!(out, b"\r\x1b[2K\r\x1b[2Kalice> ");
        let mut none = Vec::new();
        Screen::new(None).draw(&mut none);
        assert!(none.is_empty());
        let mut after = Vec::new();
        screen.finish_on(&mut after);
        screen.draw(&mut after);
        assert_eq!(
            after, b"\r\x1b[2K",
            "cleared, and no prompt once the chat is over"
        );
        assert_eq!(show_limit(None, true), Some(SHOWN_PER_SECOND));
        assert_eq!(show_limit(None, false), None);
        assert_eq!(show_limit(Some(0), true), None, "0: show them all");
        assert_eq!(show_limit(Some(7), false), Some(7));
    }
}
