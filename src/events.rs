//! The small datagram a lab program sends to `capture` for every socket call.
//!
//! A lab program cannot know whether a capture is running, so it sends each
//! narrated call as one datagram on a Unix-domain socket and forgets about it:
//! every error is ignored, so with no capture running nothing happens and
//! nothing is printed (a send waits at most [`SEND_WAIT`], and only while a
//! capture is running but busy).
//!
//! Why a Unix-domain socket and not UDP on loopback: a UDP event would itself
//! show up in the loopback capture the instructor is projecting.
//!
//! The socket lives at [`DEFAULT_PATH`] (a world-writable directory, so the
//! capture may run as root while students run the lab programs as themselves);
//! the environment variable [`ENV_VAR`] overrides it for both sides.
//!
//! Each datagram is one JSON object (see `docs/protocol.md`):
//! `{"v":1,"prog":"tcp_client","pid":4242,"call":"connect","phase":"enter",
//!   "local":"127.0.0.1:53312","peer":"127.0.0.1:5000","result":"","t_us":1732449600123456}`
//!
//! An event is only ever displayed, never trusted: anyone on the machine can
//! send one. [`CallEvent::parse`] rejects anything malformed or oversize and
//! strips control characters, so a spoofed event cannot drive the terminal.

use std::io;
use std::net::SocketAddr;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

/// Environment variable that overrides the event socket's path.
pub const ENV_VAR: &str = "SOCKLAB_EVENTS";
/// Where the event socket lives unless [`ENV_VAR`] says otherwise.
pub const DEFAULT_PATH: &str = "/tmp/socklab-events.sock";
/// The largest event datagram accepted; anything bigger is counted and dropped.
pub const MAX_EVENT_BYTES: usize = 2048;
/// Longest program or call name accepted.
const MAX_NAME: usize = 32;
/// Longest result text accepted (after which it is cut).
const MAX_RESULT: usize = 200;
/// The longest a lab program waits for room in a busy capture's queue.
pub const SEND_WAIT: Duration = Duration::from_millis(5);
/// Format version carried in every datagram.
const VERSION: u64 = 1;

/// The path both sides use: `$SOCKLAB_EVENTS` or [`DEFAULT_PATH`].
pub fn socket_path() -> PathBuf {
    match std::env::var_os(ENV_VAR) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(DEFAULT_PATH),
    }
}

/// Before or after a blocking call (`connect`, `accept`, `recv`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Taken just before the call: the program is about to wait.
    Enter,
    /// Taken when the call returned.
    Return,
}

impl Phase {
    /// `"enter"` or `"return"`, as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Enter => "enter",
            Phase::Return => "return",
        }
    }
}

/// One socket call made by a lab program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallEvent {
    /// The program's name as a student types it: `tcp_client`.
    pub prog: String,
    pub pid: u32,
    /// The call's C name: `connect`, `accept`, `send`, `close`...
    pub call: String,
    pub phase: Phase,
    pub local: Option<SocketAddr>,
    pub peer: Option<SocketAddr>,
    /// What the call returned, in words (`ok`, `6 bytes`, `ECONNREFUSED`).
    pub result: String,
    /// Realtime clock, since the Unix epoch.
    pub t: Duration,
}

impl CallEvent {
    /// The entry of a call that makes the socket send something:
    /// `connect`, `send`, `sendto`, `shutdown`, `close`.
    pub fn sends(&self) -> bool {
        self.phase == Phase::Enter
            && matches!(
                self.call.as_str(),
                "connect" | "send" | "sendto" | "shutdown" | "close"
            )
    }

    /// The return of a call that waited for something to arrive:
    /// `connect`, `accept`, `recv`, `recvfrom`.
    pub fn waited(&self) -> bool {
        self.phase == Phase::Return
            && matches!(
                self.call.as_str(),
                "connect" | "accept" | "recv" | "recvfrom"
            )
    }
}

/// Why a received event datagram was ignored.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("event datagram of {0} bytes is over the {MAX_EVENT_BYTES}-byte limit")]
    Oversize(usize),
    #[error("event datagram is not a JSON object")]
    NotJson,
    #[error("event field `{0}` is missing or invalid")]
    Field(&'static str),
}

impl CallEvent {
    /// Encode as the JSON datagram.
    pub fn to_bytes(&self) -> Vec<u8> {
        json!({
            "v": VERSION,
            "prog": self.prog,
            "pid": self.pid,
            "call": self.call,
            "phase": self.phase.as_str(),
            "local": self.local.map(|a| a.to_string()),
            "peer": self.peer.map(|a| a.to_string()),
            "result": self.result,
            "t_us": self.t.as_micros() as u64,
        })
        .to_string()
        .into_bytes()
    }

    /// Decode and validate one datagram. Never trusts its content beyond display.
    pub fn parse(bytes: &[u8]) -> Result<CallEvent, EventError> {
        if bytes.len() > MAX_EVENT_BYTES {
            return Err(EventError::Oversize(bytes.len()));
        }
        let v: Value = serde_json::from_slice(bytes).map_err(|_| EventError::NotJson)?;
        let obj = v.as_object().ok_or(EventError::NotJson)?;
        if obj.get("v").and_then(Value::as_u64) != Some(VERSION) {
            return Err(EventError::Field("v"));
        }
        let name = |key: &'static str| -> Result<String, EventError> {
            let s = obj
                .get(key)
                .and_then(Value::as_str)
                .ok_or(EventError::Field(key))?;
            let ok = !s.is_empty()
                && s.len() <= MAX_NAME
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if ok {
                Ok(s.to_string())
            } else {
                Err(EventError::Field(key))
            }
        };
        let addr = |key: &'static str| -> Result<Option<SocketAddr>, EventError> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => s.parse().map(Some).map_err(|_| EventError::Field(key)),
                Some(_) => Err(EventError::Field(key)),
            }
        };
        let phase = match obj.get("phase").and_then(Value::as_str) {
            Some("enter") => Phase::Enter,
            Some("return") => Phase::Return,
            _ => return Err(EventError::Field("phase")),
        };
        let pid = obj
            .get("pid")
            .and_then(Value::as_u64)
            .and_then(|p| u32::try_from(p).ok())
            .ok_or(EventError::Field("pid"))?;
        let t_us = obj
            .get("t_us")
            .and_then(Value::as_u64)
            .ok_or(EventError::Field("t_us"))?;
        let result = obj
            .get("result")
            .and_then(Value::as_str)
            .ok_or(EventError::Field("result"))?;
        Ok(CallEvent {
            prog: name("prog")?,
            pid,
            call: name("call")?,
            phase,
            local: addr("local")?,
            peer: addr("peer")?,
            result: sanitize(result),
            t: Duration::from_micros(t_us),
        })
    }
}

/// Replace control characters (terminal escapes!) and cut to [`MAX_RESULT`].
fn sanitize(s: &str) -> String {
    s.chars()
        .take(MAX_RESULT)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// The realtime clock as a duration since the Unix epoch.
pub fn now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// The sending side, held by a lab program. Never fails, and waits at most
/// [`SEND_WAIT`] (only while a capture is running and busy).
#[derive(Debug)]
pub struct Emitter {
    sock: Option<UnixDatagram>,
    path: PathBuf,
    prog: String,
    pid: u32,
}

impl Emitter {
    /// An emitter for program `prog` that sends to [`socket_path`].
    pub fn new(prog: &str) -> Emitter {
        Emitter::with_path(prog, socket_path())
    }

    /// An emitter that sends to `path` (tests use their own path).
    pub fn with_path(prog: &str, path: PathBuf) -> Emitter {
        // An unbound datagram socket: we only ever send. With no capture
        // running, send_to fails at once (no such socket file). With one
        // running but busy, the kernel queues only a few datagrams
        // (net.unix.max_dgram_qlen, 10 by default): then we wait at most
        // SEND_WAIT for room rather than lose the event.
        let sock = UnixDatagram::unbound()
            .and_then(|s| s.set_write_timeout(Some(SEND_WAIT)).map(|()| s))
            .ok();
        Emitter {
            sock,
            path,
            prog: prog.to_string(),
            pid: std::process::id(),
        }
    }

    /// An emitter that sends nothing (for `--quiet` tests or when disabled).
    pub fn disabled(prog: &str) -> Emitter {
        Emitter {
            sock: None,
            path: PathBuf::new(),
            prog: prog.to_string(),
            pid: std::process::id(),
        }
    }

    /// Send one event, stamped now. Errors (no capture running, full buffer)
    /// are ignored on purpose: the lab program must behave the same either way.
    pub fn emit(
        &self,
        call: &str,
        phase: Phase,
        local: Option<SocketAddr>,
        peer: Option<SocketAddr>,
        result: &str,
    ) {
        let Some(sock) = &self.sock else { return };
        let ev = CallEvent {
            prog: self.prog.clone(),
            pid: self.pid,
            call: call.to_string(),
            phase,
            local,
            peer,
            result: result.to_string(),
            t: now(),
        };
        let _ = sock.send_to(&ev.to_bytes(), &self.path);
    }
}

/// Counters of what the listener received.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListenerStats {
    pub accepted: u64,
    /// Malformed, oversize or spoofed-looking datagrams, ignored.
    pub rejected: u64,
}

/// The receiving side, held by `capture`. Removes its socket file on drop.
#[derive(Debug)]
pub struct Listener {
    sock: UnixDatagram,
    path: PathBuf,
    /// What has been received so far.
    pub stats: ListenerStats,
}

impl Listener {
    /// Bind the event socket at `path`, replacing a stale one, and let every
    /// local user send to it (the lab programs usually are not root).
    pub fn bind(path: &Path) -> io::Result<Listener> {
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            use std::os::unix::fs::FileTypeExt;
            if meta.file_type().is_socket() {
                // A socket left by a capture that was killed: if nobody
                // answers on it, it is stale and can go.
                if UnixDatagram::unbound()
                    .and_then(|s| s.connect(path))
                    .is_ok()
                {
                    return Err(io::Error::new(
                        io::ErrorKind::AddrInUse,
                        format!(
                            "another capture is already receiving events on {}; stop it or set {ENV_VAR} to another path",
                            path.display()
                        ),
                    ));
                }
                std::fs::remove_file(path)?;
            } else {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "{} exists and is not a socket; remove it or set {ENV_VAR}",
                        path.display()
                    ),
                ));
            }
        }
        let sock = UnixDatagram::bind(path)?;
        sock.set_nonblocking(true)?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666))?;
        Ok(Listener {
            sock,
            path: path.to_path_buf(),
            stats: ListenerStats::default(),
        })
    }

    /// Every event waiting on the socket, without blocking.
    pub fn drain(&mut self) -> Vec<CallEvent> {
        let mut out = Vec::new();
        // One byte more than the limit, so an oversize datagram is seen as such.
        let mut buf = [0u8; MAX_EVENT_BYTES + 1];
        loop {
            match self.sock.recv(&mut buf) {
                Ok(n) => match CallEvent::parse(&buf[..n]) {
                    Ok(ev) => {
                        self.stats.accepted += 1;
                        out.push(ev);
                    }
                    Err(_) => self.stats.rejected += 1,
                },
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        out
    }

    /// The descriptor to poll for incoming events.
    pub fn fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.sock.as_raw_fd()
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CallEvent {
        CallEvent {
            prog: "tcp_client".into(),
            pid: 4242,
            call: "connect".into(),
            phase: Phase::Enter,
            local: Some("127.0.0.1:53312".parse().unwrap()),
            peer: Some("[::1]:5000".parse().unwrap()),
            result: "ok".into(),
            t: Duration::from_micros(1_732_449_600_123_456),
        }
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let ev = sample();
        assert_eq!(CallEvent::parse(&ev.to_bytes()).unwrap(), ev);
    }

    #[test]
    fn garbage_and_oversize_are_rejected() {
        assert_eq!(
            CallEvent::parse(b"\xff\x00garbage"),
            Err(EventError::NotJson)
        );
        assert_eq!(CallEvent::parse(b"[1,2]"), Err(EventError::NotJson));
        let big = vec![b' '; MAX_EVENT_BYTES + 1];
        assert_eq!(
            CallEvent::parse(&big),
            Err(EventError::Oversize(MAX_EVENT_BYTES + 1))
        );
        let bad_prog = String::from_utf8(sample().to_bytes())
            .unwrap()
            .replace("tcp_client", "tcp client; rm");
        assert_eq!(
            CallEvent::parse(bad_prog.as_bytes()),
            Err(EventError::Field("prog"))
        );
    }

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        let mut ev = sample();
        ev.result = "ok\u{1b}[2J".into();
        assert_eq!(CallEvent::parse(&ev.to_bytes()).unwrap().result, "ok?[2J");
    }

    #[test]
    fn emitter_without_listener_is_silent_and_listener_counts() {
        let dir = std::env::temp_dir().join(format!("socklab-ev-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ev.sock");
        let em = Emitter::with_path("tcp_server", path.clone());
        em.emit("socket", Phase::Return, None, None, "ok"); // nobody listens: ignored
        let mut l = Listener::bind(&path).unwrap();
        em.emit(
            "bind",
            Phase::Return,
            Some("127.0.0.1:5000".parse().unwrap()),
            None,
            "ok",
        );
        let raw = UnixDatagram::unbound().unwrap();
        raw.send_to(b"not json", &path).unwrap();
        raw.send_to(&vec![b'x'; MAX_EVENT_BYTES + 10], &path)
            .unwrap();
        let evs = l.drain();
        assert_eq!(evs.len(), 1);
        assert_eq!(evs[0].call, "bind");
        assert_eq!(
            l.stats,
            ListenerStats {
                accepted: 1,
                rejected: 2
            }
        );
        drop(l);
        assert!(!path.exists(), "listener removes its socket file");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
