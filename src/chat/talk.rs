//! What a chat does around its socket calls: what its threads tell each
//! other, how an arriving message is shown, and the report at the end. The
//! socket calls themselves are the lesson, in `src/bin/chat.rs`.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::screen::FloodGuard;
use super::{parse_name, Counts, Kind, Message, Report, SeqTracker, Verdict};
use crate::lab;
use crate::narrate::escape;
use crate::net::{End, Line, LineReader, NetError, Next};
use crate::t;

/// What the threads of a chat tell its main thread.
#[derive(Debug)]
pub enum Event {
    /// A line typed (or piped) in, without its newline.
    Typed(Vec<u8>),
    /// A typed line over the TCP limit, skipped.
    TooLong,
    /// The end of the input (Ctrl-D, or the end of a pipe).
    EndOfInput,
    /// Ctrl-C or a kill.
    Interrupted,
    /// The peer has left: its FIN (TCP) or its goodbye (UDP).
    PeerLeft,
    /// The receiving thread has stopped after our own shutdown(SHUT_RD).
    Stopped,
    /// The connection broke.
    Failed(NetError),
}

/// The keyboard thread: one line at a time, to the main thread, until the
/// end of the input.
pub fn read_keyboard(events: Sender<Event>) {
    // LineReader cuts what we read into lines, and skips a line over 64 KiB
    // instead of filling memory (a binary file piped in by mistake).
    let mut lines = LineReader::new(io::stdin());
    loop {
        let event = match lines.read_line() {
            Ok(Next::Line(Line::Text(line))) => Event::Typed(line),
            Ok(Next::Line(Line::TooLong)) => Event::TooLong,
            Ok(Next::End(End::MidLine(line))) => {
                let _ = events.send(Event::Typed(line));
                Event::EndOfInput
            }
            Ok(Next::End(End::Clean)) | Err(_) => Event::EndOfInput,
        };
        let last = matches!(event, Event::EndOfInput);
        if events.send(event).is_err() || last {
            return;
        }
    }
}

/// Ctrl-C (SIGINT) or a kill (SIGTERM) becomes [`Event::Interrupted`], so
/// that the chat leaves as with /quit and the peer is told.
pub fn on_interrupt(events: Sender<Event>) {
    let _ = ctrlc::set_handler(move || {
        let _ = events.send(Event::Interrupted);
    });
}

/// After our FIN, wait up to `wait` for the peer's (the receiving thread
/// reports it). True if the receiving thread has ended.
pub fn wait_for_peer(inbox: &Receiver<Event>, wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match inbox.recv_timeout(left) {
            Ok(Event::PeerLeft | Event::Stopped | Event::Failed(_)) => return true,
            Ok(_) => {} // no more sending: we have left
            Err(_) => return false,
        }
    }
}

/// What arrives from the peer: what its sequence numbers show, how much of
/// a flood is shown, and what has been explained already.
#[derive(Debug)]
pub struct Inbox {
    seen: Mutex<SeqTracker>,
    flood: Mutex<FloodGuard>,
    show_limit: Option<u32>,
    /// Whether ECONNREFUSED on UDP has been explained already.
    told_refused: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Inbox {
    /// Nothing received yet; at most `show_limit` messages shown a second.
    pub fn new(show_limit: Option<u32>) -> Inbox {
        Inbox {
            seen: Mutex::new(SeqTracker::new()),
            flood: Mutex::new(FloodGuard::new(show_limit)),
            show_limit,
            told_refused: AtomicBool::new(false),
        }
    }

    /// The counters so far.
    pub fn counts(&self) -> Counts {
        lock(&self.seen).counts()
    }

    /// Something has arrived: show it, or hide it during a flood? Says so
    /// once a second when some were hidden.
    pub fn admit(&self) -> bool {
        let admit = lock(&self.flood).admit(Instant::now());
        if admit.hidden_before > 0 {
            lab::output(t!(
                "chat-hidden",
                n = admit.hidden_before,
                limit = self.show_limit.unwrap_or(0)
            ));
        }
        admit.show
    }

    /// Parse one message, check its number, and print it (if `show`).
    /// Returns its kind if it is a new message (not a copy, not bogus).
    pub fn show(&self, bytes: &[u8], show: bool) -> Option<Kind> {
        let message = match Message::parse(bytes) {
            Ok(message) => message,
            Err(why) => {
                if show {
                    lab::output(t!(
                        "chat-not-a-message",
                        why = why.to_string(),
                        bytes = escape(bytes)
                    ));
                }
                return None;
            }
        };
        let mut seen = lock(&self.seen);
        let first_gap = seen.counts().lost == 0 && seen.counts().reordered == 0;
        let verdict = match message.kind {
            Kind::Msg => seen.observe(message.seq),
            Kind::Bye => seen.observe_goodbye(message.seq),
        };
        drop(seen);
        if show {
            if let Some(note) = verdict.note() {
                lab::output(format!("-- {note}"));
            }
            if first_gap && matches!(verdict, Verdict::Gap { .. } | Verdict::Late { .. }) {
                lab::explain(t!("chat-explain-numbers"));
            }
            if message.kind == Kind::Msg && verdict.is_new() {
                lab::output(message.display_line());
            }
        }
        verdict.is_new().then_some(message.kind)
    }

    /// ECONNREFUSED on a connected UDP socket: an ICMP "port unreachable"
    /// came back. Say what it means (once) and that the chat goes on.
    pub fn nobody_there(&self, peer: SocketAddr) {
        if !self.told_refused.swap(true, Ordering::SeqCst) {
            lab::explain(t!("chat-explain-icmp"));
        }
        lab::output(t!("chat-nobody-there", peer = peer.to_string()));
    }
}

/// The report a chat prints at its end, and why its numbers are what they
/// are: over UDP only our numbers tell; over TCP, `retransmitted` is the
/// kernel's count of segments it sent again (if known).
pub fn print_report(report: &Report, udp: bool, retransmitted: Option<u32>) {
    lab::output(t!("chat-report-line", report = report.to_string()));
    if udp {
        lab::output(t!("chat-why-udp"));
        return;
    }
    lab::output(match retransmitted {
        Some(r) => t!("chat-why-tcp-retransmitted", retransmitted = r),
        None => t!("chat-why-tcp"),
    });
}

/// The name when `--name` is not given: `$USER`, if it is a valid name.
pub fn default_name() -> String {
    std::env::var("USER")
        .ok()
        .and_then(|user| parse_name(&user).ok())
        .unwrap_or_else(|| "anonymous".into())
}
