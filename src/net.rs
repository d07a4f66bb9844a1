//! Name resolution, line framing for TCP, and socket errors that tell a
//! student what happened and what to try next.
//!
//! The lab programs make the socket calls themselves (that is the lesson,
//! through [`crate::lab`]); this module holds what surrounds them: turning
//! `--host` into addresses, cutting a TCP byte stream into lines, and
//! one-line error messages.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, ErrorKind, Read};
use std::net::{SocketAddr, ToSocketAddrs};

use crate::i18n::{self, Arg, Lang};

/// Longest line a lab server accepts, without its `\n`.
pub const MAX_LINE: usize = 64 * 1024;
/// Port the TCP lab programs use unless `--port` says otherwise.
pub const DEFAULT_TCP_PORT: u16 = 5000;
/// Port the UDP lab programs use unless `--port` says otherwise.
pub const DEFAULT_UDP_PORT: u16 = 5001;
/// The line (TCP) or datagram (UDP) that stops a lab server.
pub const OFF: &[u8] = b"off";
/// Largest UDP payload over IPv4: 65535 (IP total length) - 20 (IP header) - 8 (UDP header).
pub const MAX_DATAGRAM_V4: usize = 65_535 - 20 - 8;
/// Largest UDP payload over IPv6: 65535 (IPv6 payload length) - 8 (UDP header).
pub const MAX_DATAGRAM_V6: usize = 65_535 - 8;

/// What went wrong with a socket, with enough context to say what to do.
/// Each variant displays as one line, in the process's language
/// ([`NetError::message_in`]): what happened, then what to try.
#[derive(Debug)]
pub enum NetError {
    /// getaddrinfo() could not turn the host name into an address.
    Resolve { host: String, error: io::Error },
    /// getaddrinfo() answered, but with no address.
    NoAddress { host: String },
    /// socket() failed.
    Socket { what: String, error: io::Error },
    /// bind() failed.
    Bind { addr: SocketAddr, error: io::Error },
    /// setsockopt() failed.
    SetOption {
        option: &'static str,
        error: io::Error,
    },
    /// listen() failed.
    Listen { addr: SocketAddr, error: io::Error },
    /// accept() failed.
    Accept { addr: SocketAddr, error: io::Error },
    /// connect() failed.
    Connect { addr: SocketAddr, error: io::Error },
    /// A call on an open socket failed (`send`, `recv`, `sendto`, `shutdown`...).
    Transfer {
        call: &'static str,
        peer: SocketAddr,
        error: io::Error,
    },
    /// A UDP message that no datagram can carry; found before sending.
    DatagramTooLarge {
        len: usize,
        max: usize,
        family: &'static str,
    },
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_in(i18n::lang()))
    }
}

impl std::error::Error for NetError {}

impl NetError {
    /// The one-line message in `lang`: `bind 127.0.0.1:5000: address
    /// already in use: another program listens on port 5000; stop it or
    /// choose another --port`.
    pub fn message_in(&self, lang: Lang) -> String {
        let say = |id: &str, args: &[(&str, Arg<'_>)]| i18n::tr_in(lang, id, args);
        let addr_why = |id: &str, addr: &SocketAddr, why: String| {
            say(
                id,
                &[("addr", addr.to_string().into()), ("why", why.into())],
            )
        };
        match self {
            NetError::Resolve { host, error } => say(
                "net-resolve",
                &[
                    ("host", host.as_str().into()),
                    ("error", os_text_in(lang, error).into()),
                ],
            ),
            NetError::NoAddress { host } => {
                say("net-no-address", &[("host", host.as_str().into())])
            }
            NetError::Socket { what, error } => say(
                "net-socket",
                &[
                    ("what", what.as_str().into()),
                    ("why", socket_hint(lang, error).into()),
                ],
            ),
            NetError::Bind { addr, error } => {
                addr_why("net-bind", addr, bind_hint(lang, *addr, error))
            }
            NetError::SetOption { option, error } => say(
                "net-setsockopt",
                &[
                    ("option", (*option).into()),
                    ("why", describe_in(lang, error).into()),
                ],
            ),
            NetError::Listen { addr, error } => {
                addr_why("net-listen", addr, describe_in(lang, error))
            }
            NetError::Accept { addr, error } => {
                addr_why("net-accept", addr, socket_hint(lang, error))
            }
            NetError::Connect { addr, error } => {
                addr_why("net-connect", addr, connect_hint(lang, *addr, error))
            }
            NetError::Transfer { call, peer, error } => say(
                "net-transfer",
                &[
                    ("call", (*call).into()),
                    ("peer", peer.to_string().into()),
                    ("why", transfer_hint(lang, error).into()),
                ],
            ),
            NetError::DatagramTooLarge { len, max, family } => say(
                "net-datagram-too-large",
                &[
                    ("len", (*len).into()),
                    ("max", (*max).into()),
                    ("family", (*family).into()),
                ],
            ),
        }
    }

    /// The operating system's error, when there is one.
    pub fn io_error(&self) -> Option<&io::Error> {
        match self {
            NetError::Resolve { error, .. }
            | NetError::Socket { error, .. }
            | NetError::Bind { error, .. }
            | NetError::SetOption { error, .. }
            | NetError::Listen { error, .. }
            | NetError::Accept { error, .. }
            | NetError::Connect { error, .. }
            | NetError::Transfer { error, .. } => Some(error),
            NetError::NoAddress { .. } | NetError::DatagramTooLarge { .. } => None,
        }
    }
}

/// Resolve `host` (a name, an IPv4 address, or an IPv6 address with or
/// without brackets) and `port` with getaddrinfo(), in the order it returns
/// them, without duplicates.
pub fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, NetError> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let found = (bare, port)
        .to_socket_addrs()
        .map_err(|error| NetError::Resolve {
            host: host.to_string(),
            error,
        })?;
    let mut addrs: Vec<SocketAddr> = Vec::new();
    for addr in found {
        if !addrs.contains(&addr) {
            addrs.push(addr);
        }
    }
    if addrs.is_empty() {
        return Err(NetError::NoAddress {
            host: host.to_string(),
        });
    }
    Ok(addrs)
}

/// The address family's C name: `AF_INET` or `AF_INET6`.
pub fn family_name(addr: &SocketAddr) -> &'static str {
    match addr {
        SocketAddr::V4(_) => "AF_INET",
        SocketAddr::V6(_) => "AF_INET6",
    }
}

/// Where to connect to reach a server listening on `listening`: the same
/// address, or loopback if it listens on every address (0.0.0.0 or ::).
pub fn reachable(listening: SocketAddr) -> SocketAddr {
    let mut target = listening;
    if target.ip().is_unspecified() {
        target.set_ip(match target {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    target
}

/// The largest UDP payload one datagram to `addr` can carry.
pub fn max_datagram(addr: &SocketAddr) -> usize {
    match addr {
        SocketAddr::V4(_) => MAX_DATAGRAM_V4,
        SocketAddr::V6(_) => MAX_DATAGRAM_V6,
    }
}

/// `Ok` if `len` bytes fit in one UDP datagram to `addr`, else a clear error.
pub fn check_datagram(len: usize, addr: &SocketAddr) -> Result<(), NetError> {
    let max = max_datagram(addr);
    if len > max {
        return Err(NetError::DatagramTooLarge {
            len,
            max,
            family: match addr {
                SocketAddr::V4(_) => "IPv4",
                SocketAddr::V6(_) => "IPv6",
            },
        });
    }
    Ok(())
}

/// A socket error in the course's words, short enough for a narration line:
/// `connection reset by peer (RST received)`, in the process's language.
pub fn describe(error: &io::Error) -> String {
    describe_in(i18n::lang(), error)
}

/// [`describe`] in `lang`. An error the course has no words for is said in
/// the operating system's words ([`os_text_in`]).
pub fn describe_in(lang: Lang, error: &io::Error) -> String {
    let id = match error.kind() {
        ErrorKind::ConnectionRefused => "net-refused",
        ErrorKind::ConnectionReset => "net-reset",
        ErrorKind::ConnectionAborted => "net-aborted",
        ErrorKind::BrokenPipe => "net-broken-pipe",
        ErrorKind::AddrInUse => "net-addr-in-use",
        ErrorKind::AddrNotAvailable => "net-addr-not-available",
        ErrorKind::PermissionDenied => "net-permission-denied",
        ErrorKind::TimedOut | ErrorKind::WouldBlock => "net-timed-out",
        ErrorKind::NotConnected => "net-not-connected",
        _ => match error.raw_os_error() {
            Some(libc::ENETUNREACH) => "net-network-unreachable",
            Some(libc::EHOSTUNREACH) => "net-host-unreachable",
            Some(libc::EMSGSIZE) => "net-message-too-long",
            Some(libc::EAFNOSUPPORT) => "net-family-not-supported",
            _ => return os_text_in(lang, error),
        },
    };
    i18n::tr_in(lang, id, &[])
}

/// What getaddrinfo() says (glibc's words, `gai_strerror`), and the
/// message id for it: the common ones a student meets are translated.
const LOOKUP_FAILURES: &[(&str, &str)] = &[
    ("Name or service not known", "net-gai-noname"),
    ("Temporary failure in name resolution", "net-gai-again"),
    ("No address associated with hostname", "net-gai-nodata"),
];

/// The standard library's words before getaddrinfo()'s own.
const LOOKUP_PREFIX: &str = "failed to lookup address information: ";

/// An error in the operating system's words (`io::Error`'s text), in the
/// process's language.
pub fn os_text(error: &io::Error) -> String {
    os_text_in(i18n::lang(), error)
}

/// [`os_text`] in `lang`: the C library's messages are English; the ones
/// of getaddrinfo() a student meets most are translated, the rest (rare
/// errors) are shown as the system words them, with their number.
pub fn os_text_in(lang: Lang, error: &io::Error) -> String {
    let text = error.to_string();
    if let Some(why) = text.strip_prefix(LOOKUP_PREFIX) {
        if let Some((_, id)) = LOOKUP_FAILURES.iter().find(|(gai, _)| *gai == why) {
            let why = i18n::tr_in(lang, id, &[]);
            return i18n::tr_in(lang, "net-lookup-failed", &[("why", why.into())]);
        }
    }
    text
}

fn socket_hint(lang: Lang, error: &io::Error) -> String {
    let id = match error.raw_os_error() {
        Some(libc::EAFNOSUPPORT) => "net-hint-no-ipv6",
        Some(libc::EMFILE | libc::ENFILE) => "net-hint-too-many-files",
        _ => return describe_in(lang, error),
    };
    i18n::tr_in(lang, id, &[("what", describe_in(lang, error).into())])
}

fn bind_hint(lang: Lang, addr: SocketAddr, error: &io::Error) -> String {
    let what = describe_in(lang, error);
    let (id, args): (&str, Vec<(&str, Arg<'_>)>) = match error.kind() {
        ErrorKind::AddrInUse => ("net-hint-port-in-use", vec![("port", addr.port().into())]),
        ErrorKind::PermissionDenied if addr.port() < 1024 => (
            "net-hint-low-port",
            vec![("default", DEFAULT_TCP_PORT.into())],
        ),
        ErrorKind::AddrNotAvailable => (
            "net-hint-not-our-address",
            vec![("ip", addr.ip().to_string().into())],
        ),
        _ => return what,
    };
    let mut args = args;
    args.push(("what", what.into()));
    i18n::tr_in(lang, id, &args)
}

fn connect_hint(lang: Lang, addr: SocketAddr, error: &io::Error) -> String {
    let target = || ("addr", Arg::from(addr.to_string()));
    match error.kind() {
        ErrorKind::ConnectionRefused => i18n::tr_in(lang, "net-hint-refused", &[target()]),
        ErrorKind::TimedOut => i18n::tr_in(lang, "net-hint-no-answer", &[target()]),
        _ => match error.raw_os_error() {
            Some(libc::ENETUNREACH | libc::EHOSTUNREACH) => i18n::tr_in(
                lang,
                "net-hint-no-route",
                &[
                    ("what", describe_in(lang, error).into()),
                    ("ip", addr.ip().to_string().into()),
                ],
            ),
            _ => describe_in(lang, error),
        },
    }
}

fn transfer_hint(lang: Lang, error: &io::Error) -> String {
    let id = match error.kind() {
        ErrorKind::ConnectionReset => "net-hint-aborted",
        ErrorKind::BrokenPipe => "net-hint-closed",
        _ => return describe_in(lang, error),
    };
    i18n::tr_in(lang, id, &[("what", describe_in(lang, error).into())])
}

/// A line cut from a byte stream by [`LineFramer::push`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// A complete line, without its `\n` (nor a `\r` before it, as telnet sends).
    Text(Vec<u8>),
    /// A line longer than [`MAX_LINE`]: its bytes are skipped up to the next `\n`.
    TooLong,
}

/// How a byte stream ended ([`LineFramer::finish`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// At a line boundary: nothing was left half-read.
    Clean,
    /// In the middle of a line: here are its bytes, which no `\n` ended.
    MidLine(Vec<u8>),
}

/// What a line reader returns: the next line, or how the stream ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    Line(Line),
    End(End),
}

/// Cuts a byte stream into lines. Pure: feed it what `recv()` returned.
///
/// TCP carries a stream of bytes, not messages: one `recv()` may return half
/// a line, or three lines and the start of a fourth. The lab programs agree
/// that a message ends with `\n` (framing), and this is the code that finds
/// those ends. A line longer than [`MAX_LINE`] is reported once as
/// [`Line::TooLong`] and skipped, so a client cannot make us buffer
/// without end.
#[derive(Debug, Default)]
pub struct LineFramer {
    /// The start of a line whose `\n` has not arrived yet.
    partial: Vec<u8>,
    /// True while skipping the rest of an over-long line.
    skipping: bool,
}

impl LineFramer {
    /// A framer with nothing buffered.
    pub fn new() -> LineFramer {
        LineFramer::default()
    }

    /// Feed bytes just received; returns the lines they complete, in order.
    pub fn push(&mut self, mut bytes: &[u8]) -> Vec<Line> {
        let mut out = Vec::new();
        while let Some(end) = bytes.iter().position(|&b| b == b'\n') {
            let piece = &bytes[..end];
            bytes = &bytes[end + 1..];
            if self.skipping {
                // The newline that ends the over-long line: back in step.
                self.skipping = false;
            } else if self.partial.len() + piece.len() > MAX_LINE {
                self.partial.clear();
                out.push(Line::TooLong);
            } else {
                self.partial.extend_from_slice(piece);
                let mut line = std::mem::take(&mut self.partial);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                out.push(Line::Text(line));
            }
        }
        // What is left has no newline: the start of the next line.
        if !self.skipping {
            if self.partial.len() + bytes.len() > MAX_LINE {
                self.partial = Vec::new();
                self.skipping = true;
                out.push(Line::TooLong);
            } else {
                self.partial.extend_from_slice(bytes);
            }
        }
        out
    }

    /// The stream has ended (`recv()` returned 0): cleanly, or in the
    /// middle of a line, whose bytes are handed back.
    pub fn finish(&mut self) -> End {
        self.skipping = false;
        if self.partial.is_empty() {
            End::Clean
        } else {
            End::MidLine(std::mem::take(&mut self.partial))
        }
    }

    /// Bytes of an unfinished line held so far.
    pub fn pending(&self) -> usize {
        self.partial.len()
    }
}

/// Size of [`LineReader`]'s read buffer.
const READ_BUFFER: usize = 64 * 1024;

/// Reads lines from any byte stream (a pipe, the keyboard), buffered, with
/// a [`LineFramer`]. Errors are returned as errors. (Lines from a lab
/// socket: [`crate::lab::Lines`].)
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    framer: LineFramer,
    ready: VecDeque<Line>,
    buf: Box<[u8]>,
    ended: bool,
}

impl<R: Read> LineReader<R> {
    /// A line reader over `inner`.
    pub fn new(inner: R) -> LineReader<R> {
        LineReader {
            inner,
            framer: LineFramer::new(),
            ready: VecDeque::new(),
            buf: vec![0; READ_BUFFER].into_boxed_slice(),
            ended: false,
        }
    }

    /// The next line; after the end of the stream, [`End::Clean`] again and again.
    pub fn read_line(&mut self) -> io::Result<Next> {
        loop {
            if let Some(line) = self.ready.pop_front() {
                return Ok(Next::Line(line));
            }
            if self.ended {
                return Ok(Next::End(self.framer.finish()));
            }
            let got = match self.inner.read(&mut self.buf) {
                Ok(got) => got,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if got == 0 {
                self.ended = true;
            } else {
                self.ready.extend(self.framer.push(&self.buf[..got]));
            }
        }
    }

    /// The stream underneath.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(framer: &mut LineFramer, bytes: &[u8]) -> Vec<Line> {
        framer.push(bytes)
    }

    fn text(bytes: &[u8]) -> Line {
        Line::Text(bytes.to_vec())
    }

    #[test]
    fn a_line_may_arrive_in_pieces_or_several_at_once() {
        let mut f = LineFramer::new();
        assert_eq!(lines(&mut f, b"hel"), vec![]);
        assert_eq!(lines(&mut f, b"lo\nwor"), vec![text(b"hello")]);
        assert_eq!(
            lines(&mut f, b"ld\r\n\nbye\npar"),
            vec![text(b"world"), text(b""), text(b"bye"),]
        );
        assert_eq!(f.pending(), 3);
        assert_eq!(f.finish(), End::MidLine(b"par".to_vec()));
        assert_eq!(f.finish(), End::Clean);
    }

    #[test]
    fn a_line_of_exactly_max_line_bytes_is_accepted() {
        let mut f = LineFramer::new();
        let mut line = vec![b'a'; MAX_LINE];
        line.push(b'\n');
        assert_eq!(f.push(&line), vec![Line::Text(vec![b'a'; MAX_LINE])]);
    }

    #[test]
    fn an_over_long_line_is_reported_once_and_skipped() {
        let mut f = LineFramer::new();
        let chunk = vec![b'x'; 40 * 1024];
        assert_eq!(f.push(&chunk), vec![]);
        assert_eq!(
            f.push(&chunk),
            vec![Line::TooLong],
            "80 KiB without a newline"
        );
        assert_eq!(f.push(&chunk), vec![], "still skipping, reported only once");
        assert_eq!(f.pending(), 0, "nothing is buffered while skipping");
        assert_eq!(f.push(b"xx\nnext\n"), vec![text(b"next")]);
    }

    #[test]
    fn an_over_long_line_ending_in_the_same_chunk() {
        let mut f = LineFramer::new();
        let mut bytes = vec![b'x'; MAX_LINE + 1];
        bytes.extend_from_slice(b"\nok\n");
        assert_eq!(f.push(&bytes), vec![Line::TooLong, text(b"ok")]);
    }

    #[test]
    fn non_utf8_bytes_pass_through_untouched() {
        let mut f = LineFramer::new();
        assert_eq!(f.push(b"caf\xe9\xff\n"), vec![text(b"caf\xe9\xff")]);
    }

    #[test]
    fn line_reader_reads_a_stream_to_its_end() {
        let mut r = LineReader::new(&b"one\ntwo\nthr"[..]);
        assert_eq!(r.read_line().unwrap(), Next::Line(text(b"one")));
        assert_eq!(r.read_line().unwrap(), Next::Line(text(b"two")));
        assert_eq!(
            r.read_line().unwrap(),
            Next::End(End::MidLine(b"thr".to_vec()))
        );
        assert_eq!(r.read_line().unwrap(), Next::End(End::Clean));
    }

    #[test]
    fn resolve_numeric_and_bracketed_addresses() {
        assert_eq!(
            resolve("127.0.0.1", 5000).unwrap(),
            vec!["127.0.0.1:5000".parse().unwrap()]
        );
        assert_eq!(
            resolve("::1", 80).unwrap(),
            vec!["[::1]:80".parse().unwrap()]
        );
        assert_eq!(
            resolve("[::1]", 80).unwrap(),
            vec!["[::1]:80".parse().unwrap()]
        );
    }

    #[test]
    fn errors_say_what_happened_and_what_to_do() {
        let addr: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let e = NetError::Bind {
            addr,
            error: io::Error::from(ErrorKind::AddrInUse),
        };
        assert_eq!(
            e.to_string(),
            "bind 127.0.0.1:5000: address already in use: another program listens on port 5000; stop it or choose another --port"
        );
        let low: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let e = NetError::Bind {
            addr: low,
            error: io::Error::from(ErrorKind::PermissionDenied),
        };
        assert!(e.to_string().contains("choose --port 1024 or above"), "{e}");
        let e = NetError::Connect {
            addr,
            error: io::Error::from(ErrorKind::ConnectionRefused),
        };
        assert_eq!(
            e.to_string(),
            "connect 127.0.0.1:5000: connection refused: nothing is listening on 127.0.0.1:5000; start the server first or check --host and --port"
        );
        let e = NetError::Connect {
            addr,
            error: io::Error::from_raw_os_error(libc::ENETUNREACH),
        };
        assert!(
            e.to_string()
                .contains("network unreachable: this machine has no route"),
            "{e}"
        );
        let e = NetError::Resolve {
            host: "nosuch".into(),
            error: io::Error::other(
                "failed to lookup address information: Name or service not known",
            ),
        };
        assert!(
            e.to_string()
                .starts_with("cannot resolve host `nosuch`: failed to lookup"),
            "{e}"
        );
        assert!(
            e.to_string()
                .ends_with("use an address such as 127.0.0.1 or ::1"),
            "{e}"
        );
        assert!(!e.to_string().contains('\n'));
    }

    /// Every variant with every error that has a hint of its own.
    fn every_error() -> Vec<NetError> {
        let v4: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let low: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let io = |kind: ErrorKind| io::Error::from(kind);
        let os = io::Error::from_raw_os_error;
        let gai = |why: &str| io::Error::other(format!("{LOOKUP_PREFIX}{why}"));
        let mut all = vec![
            NetError::Resolve {
                host: "nosuch".into(),
                error: gai("Name or service not known"),
            },
            NetError::Resolve {
                host: "nosuch".into(),
                error: gai("Temporary failure in name resolution"),
            },
            NetError::Resolve {
                host: "nosuch".into(),
                error: gai("No address associated with hostname"),
            },
            NetError::NoAddress {
                host: "empty".into(),
            },
            NetError::DatagramTooLarge {
                len: 70_000,
                max: MAX_DATAGRAM_V4,
                family: "IPv4",
            },
            NetError::Bind {
                addr: v4,
                error: io(ErrorKind::AddrInUse),
            },
            NetError::Bind {
                addr: low,
                error: io(ErrorKind::PermissionDenied),
            },
            NetError::Bind {
                addr: "10.9.9.9:5000".parse().unwrap(),
                error: io(ErrorKind::AddrNotAvailable),
            },
            NetError::Connect {
                addr: v4,
                error: io(ErrorKind::ConnectionRefused),
            },
            NetError::Connect {
                addr: v4,
                error: io(ErrorKind::TimedOut),
            },
            NetError::Connect {
                addr: v4,
                error: os(libc::ENETUNREACH),
            },
            NetError::Connect {
                addr: v4,
                error: os(libc::EHOSTUNREACH),
            },
        ];
        for error in [os(libc::EAFNOSUPPORT), os(libc::EMFILE), os(libc::ENFILE)] {
            all.push(NetError::Socket {
                what: "AF_INET6, SOCK_STREAM".into(),
                error,
            });
        }
        all.push(NetError::Accept {
            addr: v4,
            error: os(libc::EMFILE),
        });
        // Every error in the course's words, on the calls that only describe it.
        let kinds = [
            ErrorKind::ConnectionRefused,
            ErrorKind::ConnectionReset,
            ErrorKind::ConnectionAborted,
            ErrorKind::BrokenPipe,
            ErrorKind::AddrInUse,
            ErrorKind::AddrNotAvailable,
            ErrorKind::PermissionDenied,
            ErrorKind::TimedOut,
            ErrorKind::WouldBlock,
            ErrorKind::NotConnected,
        ];
        for kind in kinds {
            all.push(NetError::Transfer {
                call: "recv",
                peer: v4,
                error: io(kind),
            });
        }
        for errno in [
            libc::ENETUNREACH,
            libc::EHOSTUNREACH,
            libc::EMSGSIZE,
            libc::EAFNOSUPPORT,
        ] {
            all.push(NetError::Listen {
                addr: v4,
                error: os(errno),
            });
        }
        all.push(NetError::SetOption {
            option: "SO_RCVTIMEO",
            error: io(ErrorKind::PermissionDenied),
        });
        all
    }

    #[test]
    fn every_error_is_said_in_both_languages() {
        // Every variant is in the list (a new one does not compile here
        // until it is named, and then fails until it is listed).
        let variant = |e: &NetError| match e {
            NetError::Resolve { .. } => 0,
            NetError::NoAddress { .. } => 1,
            NetError::Socket { .. } => 2,
            NetError::Bind { .. } => 3,
            NetError::SetOption { .. } => 4,
            NetError::Listen { .. } => 5,
            NetError::Accept { .. } => 6,
            NetError::Connect { .. } => 7,
            NetError::Transfer { .. } => 8,
            NetError::DatagramTooLarge { .. } => 9,
        };
        let listed: std::collections::BTreeSet<i32> = every_error().iter().map(variant).collect();
        assert_eq!(listed.len(), 10, "every NetError variant is rendered");
        for e in every_error() {
            let en = e.message_in(Lang::En);
            let pt = e.message_in(Lang::PtBr);
            for text in [&en, &pt] {
                assert!(!text.trim().is_empty(), "{e:?}");
                assert!(
                    !text.contains("net-") && !text.contains('{') && !text.contains('\n'),
                    "a message id or a placeholder left in {text:?}"
                );
            }
            assert_ne!(en, pt, "{e:?} is not translated");
        }
        // The words of the course, and a hint, in Portuguese.
        let e = NetError::Bind {
            addr: "127.0.0.1:5000".parse().unwrap(),
            error: io::Error::from(ErrorKind::AddrInUse),
        };
        assert_eq!(
            e.message_in(Lang::PtBr),
            "bind 127.0.0.1:5000: endereço já em uso: outro programa escuta na porta 5000; pare-o ou escolha outra --port"
        );
        let e = NetError::Resolve {
            host: "nosuch".into(),
            error: io::Error::other(format!("{LOOKUP_PREFIX}Name or service not known")),
        };
        assert_eq!(
            e.message_in(Lang::En),
            "cannot resolve host `nosuch`: failed to lookup address information: Name or service not known: check the spelling, or use an address such as 127.0.0.1 or ::1",
            "English keeps the system's words"
        );
        assert!(
            e.message_in(Lang::PtBr)
                .contains("nome ou serviço desconhecido"),
            "{}",
            e.message_in(Lang::PtBr)
        );
        // What the course has no words for is said in the system's.
        let rare = io::Error::from_raw_os_error(libc::ENOBUFS);
        assert_eq!(describe_in(Lang::PtBr, &rare), rare.to_string());
    }

    #[test]
    fn a_server_on_every_address_is_reached_on_loopback() {
        let on = |a: &str| reachable(a.parse().unwrap()).to_string();
        assert_eq!(on("0.0.0.0:5000"), "127.0.0.1:5000");
        assert_eq!(on("[::]:5000"), "[::1]:5000");
        assert_eq!(on("10.203.0.1:5000"), "10.203.0.1:5000");
    }

    #[test]
    fn datagram_limits_depend_on_the_family() {
        let v4: SocketAddr = "127.0.0.1:5001".parse().unwrap();
        let v6: SocketAddr = "[::1]:5001".parse().unwrap();
        assert!(check_datagram(65_507, &v4).is_ok());
        let e = check_datagram(65_508, &v4).unwrap_err();
        assert!(
            e.to_string().contains(
                "65508 bytes is larger than a UDP datagram can carry (65507 bytes over IPv4)"
            ),
            "{e}"
        );
        assert!(check_datagram(65_527, &v6).is_ok());
        assert!(check_datagram(65_528, &v6).is_err());
    }
}
