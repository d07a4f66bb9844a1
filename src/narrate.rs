//! One line per socket call, as the lab programs print it, and the matching
//! events for `capture`.
//!
//! A lab program narrates each call right beside it:
//!
//! ```text
//! socket(AF_INET, SOCK_STREAM) -> ok
//! bind(127.0.0.1:5000) -> ok
//! listen(backlog=5) -> ok
//! accept() -> new socket for 127.0.0.1:53312
//! recv() -> 6 bytes "hello\n"
//! recv() -> 0 bytes: peer closed its side (FIN received)
//! close()
//! ```
//!
//! The lab programs do not call this module themselves: their sockets are
//! [`crate::lab`]'s, whose methods narrate through it. Calls that return at
//! once go through [`Narrator::call`]. Calls that can wait or put a segment
//! on the wire are bracketed: [`Narrator::enter`] just before the call, then
//! [`Narrator::done`] (or [`Narrator::failed`]...) just after, so `capture`
//! can show that `close()` came before the FIN or that `accept()` returned
//! after the handshake:
//!
//! ```no_run
//! # use socklab::narrate::{Ends, Narrator};
//! # fn demo(n: &Narrator, listener: &socket2::Socket) -> std::io::Result<()> {
//! let call = n.enter("accept", "", Ends::of(listener));
//! let (conn, peer) = listener.accept()?;
//! n.done(call, Ends::of(&conn), format!("new socket for {:?}", peer.as_socket()));
//! # Ok(()) }
//! ```
//!
//! Every narrated call also becomes an [`events`](crate::events) datagram,
//! even with `--quiet`, which only hides the printing. The line is printed
//! in the process's language; the event's `result` is always English (the
//! events protocol does not change with the language): what a call returned
//! is given as [`Words`], which can be said in either ([`Said`], [`said!`](crate::said)),
//! or as a typed [`Outcome`], which the event carries too (`returned`), so
//! that `capture` says it in its own language. Narration goes to
//! stdout, one whole line per write so that threads never interleave within a
//! line; the program's own output ([`Narrator::output`]) goes there too and is
//! printed even with `--quiet`.

use std::fmt::{self, Display, Write as _};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::Arc;

use colored::Colorize;
use socket2::Socket;

pub use crate::escape::{escape, escape_max};
use crate::events::{CallError, Emitter, End, Outcome, Phase, Returned};
use crate::i18n::{self, Lang};
use crate::net::{self, NetError, Transport};

/// How many characters of data a narration line shows before `…`.
pub const PREVIEW_CHARS: usize = 100;
/// How many characters of data an event's result carries before `…`.
pub const EVENT_PREVIEW_CHARS: usize = 40;

/// The two ends of a socket, as far as they are known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ends {
    /// Our address (after `bind()`, `connect()` or the first `sendto()`).
    pub local: Option<SocketAddr>,
    /// The other side's address.
    pub peer: Option<SocketAddr>,
}

impl Ends {
    /// Neither end known (a fresh socket).
    pub const NONE: Ends = Ends {
        local: None,
        peer: None,
    };

    /// Only our end is known.
    pub fn local(addr: SocketAddr) -> Ends {
        Ends {
            local: Some(addr),
            peer: None,
        }
    }

    /// Only the other end is known (e.g. just before `connect()`).
    pub fn peer(addr: SocketAddr) -> Ends {
        Ends {
            local: None,
            peer: Some(addr),
        }
    }

    /// Both ends known.
    pub fn new(local: SocketAddr, peer: SocketAddr) -> Ends {
        Ends {
            local: Some(local),
            peer: Some(peer),
        }
    }

    /// Ask the kernel: getsockname() and getpeername() on `sock`.
    pub fn of(sock: &Socket) -> Ends {
        Ends {
            local: sock.local_addr().ok().and_then(|a| a.as_socket()),
            peer: sock.peer_addr().ok().and_then(|a| a.as_socket()),
        }
    }
}

/// What a call returned, in words that can be said in any language: the
/// narration line says them in the process's language, the event sent to
/// `capture` in English. Any [`Display`] value is the same in every
/// language (`ok`, an address); a [`Said`] has a sentence per language.
pub trait Words {
    /// The words in `lang`.
    fn in_lang(&self, lang: Lang) -> String;

    /// The same result as typed facts, for the event (so that a capture
    /// says it in its own language); `None` for plain words.
    fn returned(&self) -> Option<Returned> {
        None
    }
}

impl<T: Display + ?Sized> Words for T {
    fn in_lang(&self, _lang: Lang) -> String {
        self.to_string()
    }
}

/// Words worked out at once in every language (from a message of the
/// catalogue, usually with [`said!`](crate::said)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Said([String; 2]);

impl Said {
    /// `say(lang)` for every language.
    pub fn new(say: impl Fn(Lang) -> String) -> Said {
        Said([say(Lang::En), say(Lang::PtBr)])
    }

    /// The words in the process's language.
    pub fn text(&self) -> &str {
        &self.0[Said::index(i18n::lang())]
    }

    fn index(lang: Lang) -> usize {
        match lang {
            Lang::En => 0,
            Lang::PtBr => 1,
        }
    }
}

impl Words for Said {
    fn in_lang(&self, lang: Lang) -> String {
        self.0[Said::index(lang)].clone()
    }
}

/// A typed result is said by [`i18n::facts`] and sent as it is.
impl Words for Outcome {
    fn in_lang(&self, lang: Lang) -> String {
        i18n::facts::outcome_in(lang, self)
    }

    fn returned(&self) -> Option<Returned> {
        Some(Returned::new(self.clone()))
    }
}

/// A message of the catalogue in every language, as [`Said`]:
/// `said!("lab-new-socket", peer = addr.to_string())`. Each value is
/// evaluated once.
#[macro_export]
macro_rules! said {
    ($id:expr) => {
        $crate::narrate::Said::new(|lang| $crate::i18n::tr_in(lang, $id, &[]))
    };
    ($id:expr, $($name:ident = $value:expr),+ $(,)?) => {{
        let args = [$((stringify!($name), $crate::i18n::Arg::from($value))),+];
        $crate::narrate::Said::new(|lang| $crate::i18n::tr_in(lang, $id, &args))
    }};
}

/// A call that has been entered and not yet returned. Finish it with
/// [`Narrator::done`], [`Narrator::done_data`], [`Narrator::done_repeated`],
/// [`Narrator::finish`] or [`Narrator::failed`].
#[must_use = "narrate how the call returned"]
#[derive(Debug)]
pub struct Call {
    name: &'static str,
    args: String,
    ends: Ends,
}

/// Prints one line per socket call and emits the matching events.
/// Cloning is cheap; clones share the event socket.
#[derive(Clone, Debug)]
pub struct Narrator {
    shared: Arc<Shared>,
    /// Printed before every line, e.g. `[client 3] `.
    tag: Option<Arc<str>>,
    /// `--quiet`, or a clone [`Narrator::silenced`]: nothing is printed
    /// (the events still go out).
    quiet: bool,
}

#[derive(Debug)]
struct Shared {
    prog: String,
    color: bool,
    emitter: Emitter,
    /// The prompt on the terminal's last line, if a program keeps one.
    prompt: Option<Arc<dyn Prompt>>,
}

/// A prompt kept on the terminal's last line (the chat's `alice> `): every
/// line is printed above it, by clearing it first and drawing it again after.
pub trait Prompt: Send + Sync + fmt::Debug {
    /// Clear the prompt's line, if a prompt is drawn there.
    fn clear(&self, out: &mut dyn Write);
    /// Draw the prompt again (at the start of a fresh line).
    fn draw(&self, out: &mut dyn Write);
}

impl Narrator {
    /// A narrator for program `prog` that emits events to the default event socket.
    /// `color` should come from [`crate::cli::ColorChoice::apply`].
    pub fn new(prog: &str, quiet: bool, color: bool) -> Narrator {
        Narrator::with_emitter(prog, quiet, color, Emitter::new(prog))
    }

    /// A narrator that emits through `emitter` (tests pass their own).
    pub fn with_emitter(prog: &str, quiet: bool, color: bool, emitter: Emitter) -> Narrator {
        Narrator::build(prog, quiet, color, emitter, None)
    }

    /// A narrator that prints every line above `prompt` (the chat's) and
    /// emits through `emitter` (the chat's carries its `--name`).
    pub fn with_prompt(
        prog: &str,
        quiet: bool,
        color: bool,
        emitter: Emitter,
        prompt: Arc<dyn Prompt>,
    ) -> Narrator {
        Narrator::build(prog, quiet, color, emitter, Some(prompt))
    }

    fn build(
        prog: &str,
        quiet: bool,
        color: bool,
        emitter: Emitter,
        prompt: Option<Arc<dyn Prompt>>,
    ) -> Narrator {
        Narrator {
            shared: Arc::new(Shared {
                prog: prog.to_string(),
                color,
                emitter,
                prompt,
            }),
            tag: None,
            quiet,
        }
    }

    /// The same narrator, printing `[tag] ` before each line (one per client).
    pub fn tagged(&self, tag: impl Display) -> Narrator {
        Narrator {
            tag: Some(format!("[{tag}] ").into()),
            ..self.clone()
        }
    }

    /// The same narrator, printing no narration (the events still go out):
    /// for calls whose lines would bury the screen (a chat flood).
    pub fn silenced(&self) -> Narrator {
        Narrator {
            quiet: true,
            ..self.clone()
        }
    }

    /// The program's name.
    pub fn prog(&self) -> &str {
        &self.shared.prog
    }

    /// True with `--quiet`: narration is not printed (events still are sent).
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    // ---- calls that return at once ------------------------------------

    /// Narrate a call that does not wait (`socket`, `bind`, `listen`,
    /// `setsockopt`): `name(args) -> ok` or `-> error: ...`, one `Return`
    /// event. Hands `result` back so the caller can use `?`.
    pub fn call<T>(
        &self,
        name: &'static str,
        args: impl Display,
        ends: Ends,
        result: io::Result<T>,
    ) -> io::Result<T> {
        let call = Call {
            name,
            args: args.to_string(),
            ends,
        };
        self.finish(call, ends, result)
    }

    /// getaddrinfo(): resolve `host` with [`net::resolve`] and narrate the
    /// addresses found. A library call, not a socket call: no event.
    pub fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, NetError> {
        let resolved = net::resolve(host, port);
        let sig = format!("getaddrinfo(\"{}\", {port})", escape(host.as_bytes()));
        match &resolved {
            Ok(addrs) => self.note_call(&sig, Ok(&AddrList(addrs).to_string())),
            Err(e) => {
                let why = e.io_error().map_or_else(|| e.to_string(), net::os_text);
                self.note_call(&sig, Err(&crate::t!("lab-call-error", why = why)));
            }
        }
        resolved
    }

    /// A call that is not a socket call (`getaddrinfo`, `setrlimit`), as a
    /// line only: `sig -> result`, in red when `result` is an error. No event.
    pub fn note_call(&self, sig: &str, result: Result<&str, &str>) {
        if !self.quiet {
            match result {
                Ok(text) => self.print_call(&self.bold(sig), &self.ok_text(text)),
                Err(text) => self.print_call(&self.bold(sig), &self.error_text(text)),
            }
        }
    }

    // ---- calls that may wait ------------------------------------------

    /// Just before a call that may wait or put a segment on the wire
    /// (`connect`, `accept`, `send`, `recv`, `sendto`, `recvfrom`,
    /// `shutdown`, `close`): emits the `Enter` event, stamped now.
    pub fn enter(&self, name: &'static str, args: impl Display, ends: Ends) -> Call {
        self.shared
            .emitter
            .emit(name, Phase::Enter, ends.local, ends.peer, "");
        Call {
            name,
            args: args.to_string(),
            ends,
        }
    }

    /// The call returned: `name(args) -> result` (or `name(args)` when
    /// `result` is empty) and a `Return` event with the ends known now.
    pub fn done(&self, call: Call, ends: Ends, result: impl Words) {
        let english = result.in_lang(Lang::En);
        self.emit_return(
            &call,
            ends,
            if english.is_empty() { "ok" } else { &english },
            result.returned(),
        );
        if !self.quiet {
            let result = result.in_lang(i18n::lang());
            let sig = self.signature(&call);
            if result.is_empty() {
                self.print_line(&sig);
            } else {
                self.print_call(&sig, &self.ok_text(&result));
            }
        }
    }

    /// The call returned data: `name(args) -> {what} "escaped data"`.
    pub fn done_data(&self, call: Call, ends: Ends, what: impl Words, data: &[u8]) {
        let english = what.in_lang(Lang::En);
        let preview = escape_max(data, EVENT_PREVIEW_CHARS);
        let short = format!("{english} \"{preview}\"");
        let returned = what.returned().map(|r| Returned {
            data: Some(preview),
            ..r
        });
        self.emit_return(&call, ends, &short, returned);
        if !self.quiet {
            let what = what.in_lang(i18n::lang());
            let result = format!("{} {}", self.ok_text(&what), self.quote(data));
            self.print_call(&self.signature(&call), &result);
        }
    }

    /// A call repeated `times` times without a line each (that would slow a
    /// bulk transfer to a crawl): `send(...) x 4096 calls -> 1073741824 bytes`.
    /// `call` was entered before the first; this is the `Return` of the last.
    pub fn done_repeated(&self, call: Call, times: u64, ends: Ends, result: impl Words) {
        let english = result.in_lang(Lang::En);
        let returned = result.returned().map(|r| Returned {
            calls: Some(times),
            ..r
        });
        self.emit_return(&call, ends, &format!("{times} calls: {english}"), returned);
        if !self.quiet {
            let result = result.in_lang(i18n::lang());
            let sig = crate::t!("lab-repeated", sig = self.signature(&call), times = times);
            self.print_call(&sig, &self.ok_text(&result));
        }
    }

    /// The call failed: `name(args) -> error: connection reset by peer (RST received)`.
    pub fn failed(&self, call: Call, error: &io::Error) {
        let typed = Narrator::error_outcome(None, error);
        self.failed_with(call, Narrator::error_words(error), typed);
    }

    /// [`Narrator::failed`] on a socket of transport `on`, whose error may
    /// say what came back (`... (an RST came back)`).
    pub fn failed_on(&self, call: Call, on: Transport, error: &io::Error) {
        let typed = Narrator::error_outcome(Some(on), error);
        self.failed_with(call, Narrator::error_words_on(on, error), typed);
    }

    /// A failed call as typed facts: an error the OS reported (its number);
    /// `None` for one of our own, which only its words can tell.
    pub fn error_outcome(on: Option<Transport>, error: &io::Error) -> Option<End> {
        let errno = error.raw_os_error()?;
        Some(End::Error(CallError { errno, on }))
    }

    fn failed_with(&self, call: Call, text: Said, typed: Option<End>) {
        let returned = typed.map(|end| Returned::new(Outcome::End(end)));
        self.emit_return(&call, call.ends, &text.in_lang(Lang::En), returned);
        if !self.quiet {
            self.print_call(&self.signature(&call), &self.error_text(text.text()));
        }
    }

    /// `error: connection reset by peer (RST received)`, in every language.
    pub fn error_words(error: &io::Error) -> Said {
        Narrator::error_said(|lang| net::describe_in(lang, error))
    }

    /// [`Narrator::error_words`] on a socket of transport `on`.
    pub fn error_words_on(on: Transport, error: &io::Error) -> Said {
        Narrator::error_said(|lang| net::describe_on_in(lang, on, error))
    }

    fn error_said(why: impl Fn(Lang) -> String) -> Said {
        Said::new(|lang| i18n::tr_in(lang, "lab-call-error", &[("why", why(lang).into())]))
    }

    /// Finish a call whose only news is success or failure: `-> ok` or
    /// `-> error: ...`. Hands `result` back so the caller can use `?`.
    pub fn finish<T>(&self, call: Call, ends: Ends, result: io::Result<T>) -> io::Result<T> {
        match &result {
            Ok(_) => self.done(call, ends, "ok"),
            Err(e) => self.failed(call, e),
        }
        result
    }

    // ---- words around the calls ---------------------------------------

    /// Why something happened: a dimmed, indented line under the call.
    pub fn explain(&self, text: impl Display) {
        if !self.quiet {
            let text = format!("    {text}");
            if self.shared.color {
                self.print_line(&text.dimmed().to_string());
            } else {
                self.print_line(&text);
            }
        }
    }

    /// A narration line that is not a call (`client 3 connected`).
    pub fn say(&self, text: impl Display) {
        if !self.quiet {
            self.print_line(&text.to_string());
        }
    }

    /// The program's real output (messages, replies, reports): printed even with `--quiet`.
    pub fn output(&self, text: impl Display) {
        self.print_line(&text.to_string());
    }

    /// A problem the program survives, on stderr: `prog: warning: text`.
    pub fn warn(&self, text: impl Display) {
        let mut line = String::new();
        let _ = write!(line, "{}: {}{text}", self.shared.prog, self.tag_text());
        let line = if self.shared.color {
            line.yellow().to_string()
        } else {
            line
        };
        // stdout stays locked meanwhile: the prompt (on stdout) is cleared,
        // the warning printed on stderr, and the prompt drawn again.
        let mut out = io::stdout().lock();
        if let Some(prompt) = &self.shared.prompt {
            prompt.clear(&mut out);
        }
        let _ = writeln!(io::stderr().lock(), "{line}");
        if let Some(prompt) = &self.shared.prompt {
            prompt.draw(&mut out);
        }
    }

    /// `data` escaped, cut to [`PREVIEW_CHARS`], in quotes, coloured as data.
    pub fn quote(&self, data: &[u8]) -> String {
        let quoted = format!("\"{}\"", escape_max(data, PREVIEW_CHARS));
        if self.shared.color {
            quoted.yellow().to_string()
        } else {
            quoted
        }
    }

    // ---- printing -------------------------------------------------------

    fn signature(&self, call: &Call) -> String {
        self.bold(&format!("{}({})", call.name, call.args))
    }

    fn bold(&self, text: &str) -> String {
        if self.shared.color {
            text.bold().to_string()
        } else {
            text.to_string()
        }
    }

    fn ok_text(&self, text: &str) -> String {
        if self.shared.color {
            text.green().to_string()
        } else {
            text.to_string()
        }
    }

    fn error_text(&self, text: &str) -> String {
        if self.shared.color {
            text.red().to_string()
        } else {
            text.to_string()
        }
    }

    fn tag_text(&self) -> &str {
        self.tag.as_deref().unwrap_or("")
    }

    fn emit_return(&self, call: &Call, ends: Ends, result: &str, returned: Option<Returned>) {
        // An event carries no arguments, and `setsockopt() -> ok` would
        // not say which option: its arguments go with the result.
        let named;
        let result = if call.name == "setsockopt" && !call.args.is_empty() {
            named = format!("{result} ({})", call.args);
            &named
        } else {
            result
        };
        self.shared.emitter.emit_returned(
            call.name,
            Phase::Return,
            ends.local,
            ends.peer,
            result,
            returned,
        );
    }

    fn print_call(&self, signature: &str, result: &str) {
        self.print_line(&format!("{signature} -> {result}"));
    }

    /// One whole line in one write, so that lines from several threads never mix.
    fn print_line(&self, text: &str) {
        let tag = self.tag_text();
        let mut line = String::with_capacity(tag.len() + text.len() + 1);
        if self.shared.color && !tag.is_empty() {
            line.push_str(&tag.dimmed().to_string());
        } else {
            line.push_str(tag);
        }
        line.push_str(text);
        line.push('\n');
        let mut out = io::stdout().lock();
        if let Some(prompt) = &self.shared.prompt {
            prompt.clear(&mut out);
        }
        let written = out.write_all(line.as_bytes());
        if let Some(prompt) = &self.shared.prompt {
            prompt.draw(&mut out);
        }
        if let Err(e) = written.and_then(|()| out.flush()) {
            if e.kind() == io::ErrorKind::BrokenPipe {
                // Whoever read our output has gone (`tcp_server | head`): like
                // `cat`, stop quietly, and call it success.
                std::process::exit(0);
            }
        }
    }
}

/// A byte count in words: `512 bytes`, `64 KiB`, `1.5 MiB`, `1 GiB`
/// (`1,5 MiB` in Portuguese).
pub fn human_bytes(bytes: u64) -> String {
    human_bytes_in(i18n::lang(), bytes)
}

/// [`human_bytes`] in `lang`.
pub fn human_bytes_in(lang: Lang, bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return i18n::tr_in(lang, "lab-bytes", &[("n", bytes.into())]);
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let places = if value.fract() == 0.0 { 0 } else { 1 };
    format!("{} {}", i18n::decimal_in(lang, value, places), UNITS[unit])
}

/// A duration as people read it: `300ms`, `2s`, `1.5s` (`1,5s` in
/// Portuguese).
pub fn human_duration(duration: std::time::Duration) -> String {
    human_duration_in(i18n::lang(), duration)
}

/// [`human_duration`] in `lang`.
pub fn human_duration_in(lang: Lang, duration: std::time::Duration) -> String {
    // Debug already picks the unit (`ms`, `s`) and the digits.
    let text = format!("{duration:?}");
    match lang.decimal_separator() {
        '.' => text,
        sep => text.replace('.', &sep.to_string()),
    }
}

/// A throughput as people quote it: decimal gigabits per second, like iperf3.
pub fn gbit_per_s(bytes: u64, seconds: f64) -> f64 {
    if seconds <= 0.0 {
        return 0.0;
    }
    bytes as f64 * 8.0 / seconds / 1e9
}

/// Display helper: several addresses as `127.0.0.1:5000, [::1]:5000`.
pub struct AddrList<'a>(pub &'a [SocketAddr]);

impl Display for AddrList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, addr) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            Display::fmt(addr, f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{CallEvent, Listener};

    #[test]
    fn human_sizes_and_rates() {
        assert_eq!(human_bytes(6), "6 bytes");
        assert_eq!(human_bytes(64 * 1024), "64 KiB");
        assert_eq!(human_bytes(1536 * 1024), "1.5 MiB");
        assert_eq!(human_bytes(1 << 30), "1 GiB");
        assert!((gbit_per_s(1_000_000_000, 8.0) - 1.0).abs() < 1e-9);
        assert_eq!(gbit_per_s(10, 0.0), 0.0);
        let addrs: Vec<SocketAddr> =
            vec!["127.0.0.1:1".parse().unwrap(), "[::1]:2".parse().unwrap()];
        assert_eq!(AddrList(&addrs).to_string(), "127.0.0.1:1, [::1]:2");
    }

    #[test]
    fn every_call_emits_events_even_when_quiet() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let path = dir.join("ev.sock");
        let mut listener = Listener::bind(&path).unwrap();
        let n = Narrator::with_emitter(
            "tcp_client",
            true,
            false,
            Emitter::with_path("tcp_client", path.clone()),
        );
        let server: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:40000".parse().unwrap();

        n.call("socket", "AF_INET, SOCK_STREAM", Ends::NONE, Ok(()))
            .unwrap();
        let call = n.enter("connect", server, Ends::peer(server));
        n.done(call, Ends::new(local, server), "ok");
        let call = n.enter("recv", "", Ends::new(local, server));
        n.done_data(call, Ends::new(local, server), "6 bytes", b"hello\n");
        let call = n.enter("recv", "", Ends::new(local, server));
        n.failed(call, &io::Error::from(io::ErrorKind::ConnectionReset));

        let events: Vec<CallEvent> = listener.drain();
        let summary: Vec<(String, &str, Option<SocketAddr>, String)> = events
            .iter()
            .map(|e| (e.call.clone(), e.phase.as_str(), e.local, e.result.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("socket".into(), "return", None, "ok".into()),
                ("connect".into(), "enter", None, "".into()),
                ("connect".into(), "return", Some(local), "ok".into()),
                ("recv".into(), "enter", Some(local), "".into()),
                (
                    "recv".into(),
                    "return",
                    Some(local),
                    "6 bytes \"hello\\n\"".into()
                ),
                ("recv".into(), "enter", Some(local), "".into()),
                (
                    "recv".into(),
                    "return",
                    Some(local),
                    "error: connection reset by peer (RST received)".into()
                ),
            ]
        );
        assert!(events[1].t <= events[2].t, "enter is stamped before return");
        assert_eq!(
            events[1].peer,
            Some(server),
            "connect enter names its target"
        );
        drop(listener);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_setsockopt_event_names_its_option() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let path = dir.join("ev.sock");
        let mut listener = Listener::bind(&path).unwrap();
        let n = Narrator::with_emitter(
            "tcp_server",
            true,
            false,
            Emitter::with_path("tcp_server", path.clone()),
        );
        n.call("setsockopt", "SO_REUSEADDR, 1", Ends::NONE, Ok(()))
            .unwrap();
        n.call("bind", "127.0.0.1:5000", Ends::NONE, Ok(()))
            .unwrap();
        let results: Vec<String> = listener.drain().into_iter().map(|e| e.result).collect();
        assert_eq!(results, ["ok (SO_REUSEADDR, 1)", "ok"]);
        drop(listener);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
