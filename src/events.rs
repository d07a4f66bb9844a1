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
//! Where the socket lives: by default in a directory private to the user
//! the programs work for, `/tmp/socklab-<uid>/events.sock` (see
//! [`default_dir`]): `sudo capture` and that user's own lab programs meet
//! there, and no other user can listen there or send there. The environment
//! variable [`ENV_VAR`] chooses another path for both sides, for instance a
//! shared one where students' programs reach the instructor's capture.
//!
//! Each datagram is one JSON object (see `docs/protocol.md`):
//! `{"v":1,"prog":"tcp_client","pid":4242,"call":"connect","phase":"enter",
//!   "local":"127.0.0.1:53312","peer":"127.0.0.1:5000","result":"","t_us":1732449600123456}`
//!
//! An event is only ever displayed, never trusted beyond that: anyone who
//! can reach the socket can send one. [`CallEvent::parse`] rejects anything
//! malformed or oversize and escapes control, format and bidirectional
//! characters, so an event cannot drive the terminal; the [`Listener`]
//! takes the sender's pid and user id from the kernel (`SCM_CREDENTIALS`
//! on Linux), rejects an event whose `pid` is not the sender's, and marks
//! an event sent by another user with that user's id.

use std::io;
use std::net::SocketAddr;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::escape::escape_controls;

/// Environment variable that overrides the event socket's path.
pub const ENV_VAR: &str = "SOCKLAB_EVENTS";
/// The directory that holds each user's private directory of the default
/// socket. Fixed, not `$TMPDIR`: `sudo` removes most of the environment,
/// and both sides must find the same path from the user id alone.
pub const DEFAULT_PARENT: &str = "/tmp";
/// The socket's name inside the private directory.
pub const SOCKET_NAME: &str = "events.sock";
/// The largest event datagram accepted; anything bigger is counted and dropped.
pub const MAX_EVENT_BYTES: usize = 2048;
/// Longest program or call name accepted.
const MAX_NAME: usize = 32;
/// Longest result text accepted (after which it is cut).
const MAX_RESULT: usize = 200;
/// Longest `name` accepted (the chat's `--name`), in characters.
pub const MAX_USER_NAME: usize = 32;
/// The longest a lab program waits for room in a busy capture's queue.
pub const SEND_WAIT: Duration = Duration::from_millis(5);
/// After finding no capture (no private directory, no socket file, nobody
/// bound to it), an emitter stays quiet this long before it looks again:
/// a server accepting thousands of connections a second with no capture
/// running would otherwise spend three system calls per narrated call on
/// finding out, again and again. A capture started meanwhile misses at most
/// this much of a program's calls, far less than a person can start one in.
pub const ABSENT_PAUSE: Duration = Duration::from_millis(20);
/// Format version carried in every datagram.
const VERSION: u64 = 1;

/// Mode of the socket file: anyone who can reach it may send (a socket
/// at a shared `$SOCKLAB_EVENTS` path is meant for other users' programs;
/// the default one is guarded by its private directory).
const SOCKET_MODE_UMASK: u32 = 0o111;

/// The private directory of user `uid`'s default socket:
/// `/tmp/socklab-<uid>`, mode 0700, owned by that user.
pub fn default_dir(uid: u32) -> PathBuf {
    Path::new(DEFAULT_PARENT).join(format!("socklab-{uid}"))
}

/// Where the events socket is, and who guards it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// `$SOCKLAB_EVENTS`: the path as given, shared if its directory is.
    Chosen(PathBuf),
    /// The default: `events.sock` in the private directory of user `uid`.
    Private { uid: u32, dir: PathBuf },
}

impl Location {
    /// Where both sides look: `$SOCKLAB_EVENTS`, or the private directory of
    /// the user the process works for (the one who ran `sudo`, when run by
    /// sudo).
    pub fn from_env() -> Location {
        match std::env::var_os(ENV_VAR) {
            Some(p) if !p.is_empty() => Location::Chosen(PathBuf::from(p)),
            _ => {
                let uid = crate::sys::invoking_uid();
                Location::Private {
                    uid,
                    dir: default_dir(uid),
                }
            }
        }
    }

    /// The socket's path.
    pub fn path(&self) -> PathBuf {
        match self {
            Location::Chosen(p) => p.clone(),
            Location::Private { dir, .. } => dir.join(SOCKET_NAME),
        }
    }
}

/// The path both sides use: `$SOCKLAB_EVENTS`, or
/// `/tmp/socklab-<uid>/events.sock` for the invoking user.
pub fn socket_path() -> PathBuf {
    Location::from_env().path()
}

/// Check that `dir` is a private directory of user `uid`: a real directory
/// (not a symbolic link), owned by `uid`, that no other user can enter or
/// write, in a parent where no other user can rename it (sticky `/tmp`).
/// The error is one line that says what to do.
pub fn check_private_dir(dir: &Path, uid: u32) -> Result<(), String> {
    use crate::i18n::tr;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let path = || dir.display().to_string();
    let say = |id: &str, args: &[(&str, crate::i18n::Arg<'_>)]| {
        let mut args = args.to_vec();
        args.push(("dir", path().into()));
        args.push(("var", ENV_VAR.into()));
        tr(id, &args)
    };
    let meta = std::fs::symlink_metadata(dir).map_err(|e| {
        say(
            "capture-events-dir-unusable",
            &[("error", e.to_string().into())],
        )
    })?;
    if meta.file_type().is_symlink() {
        return Err(say("capture-events-dir-symlink", &[]));
    }
    if !meta.is_dir() {
        return Err(say("capture-events-dir-not-dir", &[]));
    }
    if meta.uid() != uid {
        let owner = u64::from(meta.uid()).to_string();
        let uid = u64::from(uid).to_string();
        return Err(say(
            "capture-events-dir-owner",
            &[("owner", owner.into()), ("uid", uid.into())],
        ));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        let mode = format!("{mode:03o}");
        return Err(say("capture-events-dir-mode", &[("mode", mode.into())]));
    }
    if let Some(parent) = dir.parent() {
        // A directory in a parent that others may write (and that is not
        // sticky) could be renamed away and replaced behind our back.
        if let Ok(p) = std::fs::metadata(parent) {
            let m = p.permissions().mode();
            if m & 0o022 != 0 && m & 0o1000 == 0 {
                let parent = parent.display().to_string();
                return Err(say(
                    "capture-events-dir-parent",
                    &[("parent", parent.into())],
                ));
            }
        }
    }
    Ok(())
}

/// Create user `uid`'s private directory (mode 0700, exclusively: an
/// existing one is only accepted once [`check_private_dir`] passes).
/// Call it as that user, so that the directory is theirs.
pub fn make_private_dir(dir: &Path, uid: u32) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                crate::t!(
                    "capture-events-cannot-create",
                    path = dir.display().to_string(),
                    error = e.to_string()
                ),
            ))
        }
    }
    check_private_dir(dir, uid).map_err(|m| io::Error::new(io::ErrorKind::PermissionDenied, m))
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
    /// The name the user gave the process, if any (the chat's `--name`):
    /// untrusted, so checked and escaped by [`CallEvent::parse`].
    pub name: Option<String>,
    pub pid: u32,
    /// The call's C name: `connect`, `accept`, `send`, `close`...
    pub call: String,
    pub phase: Phase,
    pub local: Option<SocketAddr>,
    pub peer: Option<SocketAddr>,
    /// What the call returned, in English words (`ok`, `6 bytes`,
    /// `ECONNREFUSED`): shown when [`CallEvent::returned`] is not there.
    pub result: String,
    /// What the call returned, as typed facts that a capture says in its
    /// own language (optional: older lab programs do not send it).
    pub returned: Option<Returned>,
    /// Realtime clock, since the Unix epoch.
    pub t: Duration,
    /// The sender's user id, as the kernel reported it, when it is neither
    /// the capture user's nor root's: shown beside the program's name, so
    /// that nobody's events pass for the instructor's own. `None` for the
    /// capture user's own programs (and where the kernel gives no
    /// credentials).
    pub other_uid: Option<u32>,
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

    /// Who made the call, as shown: `tcp_client[4242]`, `chat alice[4242]`
    /// with a name, or `tcp_client[4242, uid 1001]` when another user sent it.
    pub fn who(&self) -> String {
        let prog = match &self.name {
            Some(name) => format!("{} {name}", self.prog),
            None => self.prog.clone(),
        };
        match self.other_uid {
            Some(uid) => format!("{prog}[{}, uid {uid}]", self.pid),
            None => format!("{prog}[{}]", self.pid),
        }
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

/// What a call returned, as typed facts: the optional `returned` field of
/// an event, beside the English `result` text (which older captures show).
/// A capture says it in its own language. Every field came from another
/// process, so [`Returned::from_json`] checks each one, and the data
/// preview is escaped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Returned {
    /// What the call returned.
    pub what: Outcome,
    /// The call was made this many times and narrated once
    /// (`send(...) x 4096 calls`).
    pub calls: Option<u64>,
    /// The start of the data received, escaped (`hello\n`), shown in quotes
    /// after the words.
    pub data: Option<String>,
}

/// The outcomes a lab program's call can have, as [`Returned`] carries them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `accept()`: a new socket for this client.
    NewSocket { peer: SocketAddr },
    /// tcp_server's `accept()`: a new socket for its `n`-th client.
    NewClient { peer: SocketAddr, n: u64 },
    /// `accept()` with `--max-clients` clients already: refused.
    Refusing { peer: SocketAddr, max: u64 },
    /// tcp_server's `accept()` after a client sent `off`.
    AcceptOff,
    /// `n` bytes sent or received.
    Bytes { n: u64 },
    /// `recvfrom()`: `n` bytes from `from`.
    BytesFrom { n: u64, from: SocketAddr },
    /// What a last call (or a lone one) ended with.
    End(End),
    /// `n` bytes moved, then a call failed.
    BytesThenError { n: u64, error: CallError },
    /// `n` bytes in all, and the last call ended with `last`.
    BytesLastCall { n: u64, last: End },
}

/// How a call moved nothing: 0 bytes, or an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// `recv()` of 0 bytes on TCP: the peer's FIN.
    PeerClosed,
    /// `recv()` of 0 bytes after our own `shutdown(SHUT_RD)`.
    ReadShut,
    /// On a connected UDP socket: an ICMP port unreachable came back.
    IcmpRefused,
    /// The call failed.
    Error(CallError),
}

/// A failed call: the error number (the sender's, on the same machine),
/// and the socket's transport, which says more about some errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallError {
    pub errno: i32,
    pub on: Option<crate::net::Transport>,
}

/// The largest error number accepted (Linux's are below 4096).
const MAX_ERRNO: i32 = 4095;

impl CallError {
    /// The error as the OS would report it.
    pub fn io_error(&self) -> io::Error {
        io::Error::from_raw_os_error(self.errno)
    }
}

impl Outcome {
    /// The `kind` of the JSON object, stable: `new-socket`, `bytes`...
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::NewSocket { .. } => "new-socket",
            Outcome::NewClient { .. } => "new-client",
            Outcome::Refusing { .. } => "refusing",
            Outcome::AcceptOff => "accept-off",
            Outcome::Bytes { .. } => "bytes",
            Outcome::BytesFrom { .. } => "bytes-from",
            Outcome::End(e) => e.kind(),
            Outcome::BytesThenError { .. } => "bytes-then-error",
            Outcome::BytesLastCall { .. } => "bytes-last-call",
        }
    }
}

impl End {
    fn kind(&self) -> &'static str {
        match self {
            End::PeerClosed => "peer-closed",
            End::ReadShut => "read-shut",
            End::IcmpRefused => "icmp-refused",
            End::Error(_) => "error",
        }
    }

    fn put(&self, obj: &mut serde_json::Map<String, Value>) {
        if let End::Error(e) = self {
            e.put(obj);
        }
    }

    fn from_json(kind: &str, obj: &serde_json::Map<String, Value>) -> Option<End> {
        Some(match kind {
            "peer-closed" => End::PeerClosed,
            "read-shut" => End::ReadShut,
            "icmp-refused" => End::IcmpRefused,
            "error" => End::Error(CallError::from_json(obj)?),
            _ => return None,
        })
    }
}

impl CallError {
    fn put(&self, obj: &mut serde_json::Map<String, Value>) {
        obj.insert("errno".into(), json!(self.errno));
        if let Some(on) = self.on {
            let on = match on {
                crate::net::Transport::Tcp => "tcp",
                crate::net::Transport::Udp => "udp",
            };
            obj.insert("transport".into(), json!(on));
        }
    }

    fn from_json(obj: &serde_json::Map<String, Value>) -> Option<CallError> {
        let errno = obj
            .get("errno")?
            .as_i64()
            .and_then(|e| i32::try_from(e).ok())
            .filter(|e| (1..=MAX_ERRNO).contains(e))?;
        let on = match obj.get("transport") {
            None | Some(Value::Null) => None,
            Some(v) => Some(match v.as_str()? {
                "tcp" => crate::net::Transport::Tcp,
                "udp" => crate::net::Transport::Udp,
                _ => return None,
            }),
        };
        Some(CallError { errno, on })
    }
}

impl Returned {
    /// Just `what`, once, without data.
    pub fn new(what: Outcome) -> Returned {
        Returned {
            what,
            calls: None,
            data: None,
        }
    }

    /// The `returned` object of the datagram.
    pub fn to_json(&self) -> Value {
        let mut obj = serde_json::Map::new();
        obj.insert("kind".into(), json!(self.what.kind()));
        let addr = |a: &SocketAddr| json!(a.to_string());
        match &self.what {
            Outcome::NewSocket { peer } => {
                obj.insert("peer".into(), addr(peer));
            }
            Outcome::NewClient { peer, n } => {
                obj.insert("peer".into(), addr(peer));
                obj.insert("n".into(), json!(n));
            }
            Outcome::Refusing { peer, max } => {
                obj.insert("peer".into(), addr(peer));
                obj.insert("max".into(), json!(max));
            }
            Outcome::AcceptOff => {}
            Outcome::Bytes { n } => {
                obj.insert("n".into(), json!(n));
            }
            Outcome::BytesFrom { n, from } => {
                obj.insert("n".into(), json!(n));
                obj.insert("from".into(), addr(from));
            }
            Outcome::End(e) => e.put(&mut obj),
            Outcome::BytesThenError { n, error } => {
                obj.insert("n".into(), json!(n));
                error.put(&mut obj);
            }
            Outcome::BytesLastCall { n, last } => {
                obj.insert("n".into(), json!(n));
                obj.insert("last".into(), json!(last.kind()));
                last.put(&mut obj);
            }
        }
        if let Some(calls) = self.calls {
            obj.insert("calls".into(), json!(calls));
        }
        if let Some(data) = &self.data {
            obj.insert("data".into(), json!(data));
        }
        Value::Object(obj)
    }

    /// Read a `returned` object. `None` for anything this capture does not
    /// know or that does not check out (an unknown `kind` from a newer lab
    /// program, a field of the wrong type, an error number out of range):
    /// the event is then shown with its `result` text, as before.
    pub fn from_json(v: &Value) -> Option<Returned> {
        let obj = v.as_object()?;
        let kind = obj.get("kind")?.as_str()?;
        let addr = |key: &str| -> Option<SocketAddr> { obj.get(key)?.as_str()?.parse().ok() };
        let int = |key: &str| -> Option<u64> { obj.get(key)?.as_u64() };
        let what = match kind {
            "new-socket" => Outcome::NewSocket {
                peer: addr("peer")?,
            },
            "new-client" => Outcome::NewClient {
                peer: addr("peer")?,
                n: int("n")?,
            },
            "refusing" => Outcome::Refusing {
                peer: addr("peer")?,
                max: int("max")?,
            },
            "accept-off" => Outcome::AcceptOff,
            "bytes" => Outcome::Bytes { n: int("n")? },
            "bytes-from" => Outcome::BytesFrom {
                n: int("n")?,
                from: addr("from")?,
            },
            "bytes-then-error" => Outcome::BytesThenError {
                n: int("n")?,
                error: CallError::from_json(obj)?,
            },
            "bytes-last-call" => Outcome::BytesLastCall {
                n: int("n")?,
                last: End::from_json(obj.get("last")?.as_str()?, obj)?,
            },
            other => Outcome::End(End::from_json(other, obj)?),
        };
        let calls = match obj.get("calls") {
            None | Some(Value::Null) => None,
            Some(c) => Some(c.as_u64()?),
        };
        let data = match obj.get("data") {
            None | Some(Value::Null) => None,
            // Escaped as `result` is: it is shown on a terminal.
            Some(d) => Some(escape_controls(d.as_str()?, MAX_RESULT)),
        };
        Some(Returned { what, calls, data })
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
    /// Encode as the JSON datagram (with `uid` when another user sent it,
    /// for the `.events` file of a `-w` capture; a lab program's datagram
    /// never carries it, and [`CallEvent::parse`] ignores it).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = json!({
            "v": VERSION,
            "prog": self.prog,
            "pid": self.pid,
            "call": self.call,
            "phase": self.phase.as_str(),
            "local": self.local.map(|a| a.to_string()),
            "peer": self.peer.map(|a| a.to_string()),
            "result": self.result,
            "t_us": self.t.as_micros() as u64,
        });
        if let Some(obj) = v.as_object_mut() {
            if let Some(name) = &self.name {
                obj.insert("name".into(), json!(name));
            }
            if let Some(uid) = self.other_uid {
                obj.insert("uid".into(), json!(uid));
            }
            if let Some(returned) = &self.returned {
                obj.insert("returned".into(), returned.to_json());
            }
        }
        v.to_string().into_bytes()
    }

    /// Decode one line of the `.events` file written by a `-w` capture:
    /// as [`CallEvent::parse`], and the `uid` that the capture recorded
    /// from the kernel's credentials is kept.
    pub fn parse_recorded(bytes: &[u8]) -> Result<CallEvent, EventError> {
        let mut ev = CallEvent::parse(bytes)?;
        let v: Value = serde_json::from_slice(bytes).map_err(|_| EventError::NotJson)?;
        ev.other_uid = match v.get("uid") {
            None | Some(Value::Null) => None,
            Some(u) => Some(
                u.as_u64()
                    .and_then(|u| u32::try_from(u).ok())
                    .ok_or(EventError::Field("uid"))?,
            ),
        };
        Ok(ev)
    }

    /// Decode and validate one datagram. Never trusts its content beyond
    /// display; a `uid` field in it is ignored (only the kernel says who
    /// sent a datagram).
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
        // Optional (a capture older than the field ignores it): the name a
        // user chose, so any text; only its length and its shape are checked
        // (one word, as the chat's --name), and what would act on the
        // terminal is escaped.
        let user_name = match obj.get("name") {
            None | Some(Value::Null) => None,
            Some(Value::String(s))
                if (1..=MAX_USER_NAME).contains(&s.chars().count())
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control()) =>
            {
                // Never cut: its length is bounded already.
                Some(escape_controls(s, usize::MAX))
            }
            Some(_) => return Err(EventError::Field("name")),
        };
        Ok(CallEvent {
            prog: name("prog")?,
            name: user_name,
            pid,
            call: name("call")?,
            phase,
            local: addr("local")?,
            peer: addr("peer")?,
            // Control, format and bidirectional characters escaped
            // (terminal escapes, text reordered by U+202E...).
            result: escape_controls(result, MAX_RESULT),
            // Optional, and never a reason to drop the event: one this
            // capture cannot read is shown by its `result` text.
            returned: obj.get("returned").and_then(Returned::from_json),
            t: Duration::from_micros(t_us),
            other_uid: None,
        })
    }
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
    /// For the default location: send only while the directory is still
    /// this user's private one, so that a directory made by someone else
    /// (to listen in) gets nothing.
    private: Option<(PathBuf, u32)>,
    prog: String,
    /// The name the user gave the process (`--name`), sent with each event.
    name: Option<String>,
    pid: u32,
    /// No capture was found: send nothing before this moment (microseconds
    /// on [`monotonic_us`]'s clock; 0 = look every time).
    absent_until: AtomicU64,
}

/// Microseconds since this process first asked: a clock that only goes
/// forward, for [`Emitter`]'s pause.
fn monotonic_us() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_micros() as u64 + 1
}

impl Emitter {
    /// An emitter for program `prog` that sends to [`socket_path`].
    pub fn new(prog: &str) -> Emitter {
        match Location::from_env() {
            Location::Chosen(path) => Emitter::with_path(prog, path),
            Location::Private { uid, dir } => {
                let mut em = Emitter::with_path(prog, dir.join(SOCKET_NAME));
                em.private = Some((dir, uid));
                em
            }
        }
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
            private: None,
            prog: prog.to_string(),
            name: None,
            pid: std::process::id(),
            absent_until: AtomicU64::new(0),
        }
    }

    /// An emitter that sends nothing (for `--quiet` tests or when disabled).
    pub fn disabled(prog: &str) -> Emitter {
        Emitter {
            sock: None,
            path: PathBuf::new(),
            private: None,
            prog: prog.to_string(),
            name: None,
            pid: std::process::id(),
            absent_until: AtomicU64::new(0),
        }
    }

    /// The same emitter, sending `name` (the user's `--name`) with each
    /// event, so that capture tells two chats apart.
    pub fn named(self, name: &str) -> Emitter {
        Emitter {
            name: Some(name.to_string()),
            ..self
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
        self.emit_returned(call, phase, local, peer, result, None);
    }

    /// [`Emitter::emit`], with what the call returned as typed facts too.
    pub fn emit_returned(
        &self,
        call: &str,
        phase: Phase,
        local: Option<SocketAddr>,
        peer: Option<SocketAddr>,
        result: &str,
        returned: Option<Returned>,
    ) {
        let Some(sock) = &self.sock else { return };
        if monotonic_us() < self.absent_until.load(Ordering::Relaxed) {
            return;
        }
        if let Some((dir, uid)) = &self.private {
            // Checked at every send (one lstat): the directory may appear
            // after the program started. Once it is ours, in sticky /tmp,
            // nobody else can swap it.
            if check_private_dir(dir, *uid).is_err() {
                self.pause();
                return;
            }
        }
        let ev = CallEvent {
            prog: self.prog.clone(),
            name: self.name.clone(),
            pid: self.pid,
            call: call.to_string(),
            phase,
            local,
            peer,
            result: result.to_string(),
            returned,
            t: now(),
            other_uid: None,
        };
        if let Err(e) = sock.send_to(&ev.to_bytes(), &self.path) {
            // Nobody there: pause. A busy capture (a full queue, the
            // SEND_WAIT timeout) is there: the next call tries again.
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
            ) {
                self.pause();
            }
        }
    }

    /// Send nothing for [`ABSENT_PAUSE`].
    fn pause(&self) {
        let until = monotonic_us() + ABSENT_PAUSE.as_micros() as u64;
        self.absent_until.store(until, Ordering::Relaxed);
    }
}

/// Counters of what the listener received.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListenerStats {
    pub accepted: u64,
    /// Malformed, oversize or spoofed datagrams (a `pid` that is not the
    /// sender's, descriptors passed along), ignored.
    pub rejected: u64,
}

/// A socket file this process created with bind(), to be removed at the
/// end, and only it: if the name now points at something else (swapped by
/// someone who can write the directory), that is left alone.
#[derive(Clone, Debug)]
pub struct SocketFile {
    path: PathBuf,
    /// (device, inode) of what bind() made, read right after it.
    file: Option<(u64, u64)>,
}

impl SocketFile {
    /// Remember the socket file bind() has just made at `path`.
    pub fn created(path: &Path) -> SocketFile {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let file = std::fs::symlink_metadata(path)
            .ok()
            .and_then(|m| m.file_type().is_socket().then(|| (m.dev(), m.ino())));
        SocketFile {
            path: path.to_path_buf(),
            file,
        }
    }

    /// Remove it if the name still names the file we made.
    pub fn remove(&self) {
        use std::os::unix::fs::MetadataExt;
        let still_ours = std::fs::symlink_metadata(&self.path)
            .ok()
            .is_some_and(|m| Some((m.dev(), m.ino())) == self.file);
        if still_ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The receiving side, held by `capture`. Removes its socket file on drop.
#[derive(Debug)]
pub struct Listener {
    sock: UnixDatagram,
    /// What bind() made: only that is removed.
    file: SocketFile,
    /// The capture user: events from anyone else are marked with their uid.
    capture_uid: u32,
    /// What has been received so far.
    pub stats: ListenerStats,
}

impl Listener {
    /// Bind where both sides look ([`Location::from_env`]): for the
    /// default location, first make (or check) the invoking user's private
    /// directory. Call it as the capture user (after dropping root).
    pub fn bind_default() -> io::Result<Listener> {
        let location = Location::from_env();
        if let Location::Private { uid, dir } = &location {
            make_private_dir(dir, *uid)?;
        }
        Listener::bind(&location.path())
    }

    /// Bind the event socket at `path`, replacing a stale one of ours, and
    /// let every local user who can reach it send to it (mode 0666, set at
    /// creation: nothing is ever chmod-ed or chown-ed by path).
    pub fn bind(path: &Path) -> io::Result<Listener> {
        check_existing(path)?;
        let sock = new_socket(path)?;
        // What we created: at the end we remove this file and no other.
        let file = SocketFile::created(path);
        Ok(Listener {
            sock,
            file,
            capture_uid: crate::sys::invoking_uid(),
            stats: ListenerStats::default(),
        })
    }

    /// Every event waiting on the socket, without blocking.
    pub fn drain(&mut self) -> Vec<CallEvent> {
        use std::os::fd::AsRawFd;
        let mut out = Vec::new();
        // One byte more than the limit, so an oversize datagram is seen as such.
        let mut buf = [0u8; MAX_EVENT_BYTES + 1];
        loop {
            match crate::sys::recv_with_credentials(self.sock.as_raw_fd(), &mut buf) {
                Ok(got) => match self.accept(&buf[..got.len], got) {
                    Some(ev) => {
                        self.stats.accepted += 1;
                        out.push(ev);
                    }
                    None => self.stats.rejected += 1,
                },
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        out
    }

    /// Validate one datagram against what the kernel says about its sender.
    fn accept(&self, bytes: &[u8], got: crate::sys::Received) -> Option<CallEvent> {
        if got.extra_control {
            return None;
        }
        let mut ev = CallEvent::parse(bytes).ok()?;
        match got.sender {
            Some(sender) => {
                // A program may only speak for itself: `tcp_server[1234]:
                // close()` from any other process is a lie.
                if sender.pid != ev.pid {
                    return None;
                }
                // Root is not marked: root can act as anyone anyway, and
                // `sudo ip netns exec alice tcp_client` is the user's own
                // program run as root.
                if sender.uid != self.capture_uid && sender.uid != 0 {
                    ev.other_uid = Some(sender.uid);
                }
            }
            // On Linux the kernel always says who sent a datagram to a
            // socket with SO_PASSCRED: no word means something is wrong.
            None if cfg!(target_os = "linux") => return None,
            // Elsewhere there is no such word: the socket's private
            // directory is then what keeps other users out.
            None => {}
        }
        Some(ev)
    }

    /// The descriptor to poll for incoming events.
    pub fn fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.sock.as_raw_fd()
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.file.path
    }
}

/// What may already be at `path`: nothing, or a stale socket of ours
/// (removed). Anything else is refused with a one-line reason.
fn check_existing(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                crate::t!(
                    "capture-events-cannot-use",
                    path = path.display().to_string(),
                    error = e.to_string()
                ),
            ))
        }
    };
    if !meta.file_type().is_socket() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            crate::t!(
                "capture-events-not-socket",
                path = path.display().to_string(),
                var = ENV_VAR
            ),
        ));
    }
    let mine = meta.uid() == crate::sys::effective_uid();
    // Is somebody receiving on it? A socket left by a capture that was
    // killed answers nobody.
    let live = UnixDatagram::unbound()
        .and_then(|s| s.connect(path))
        .is_ok();
    let message = match (live, mine) {
        (true, true) => crate::t!(
            "capture-events-in-use",
            path = path.display().to_string(),
            var = ENV_VAR
        ),
        (true, false) => crate::t!(
            "capture-events-other-user-live",
            path = path.display().to_string(),
            uid = meta.uid().to_string(),
            var = ENV_VAR
        ),
        (false, false) => crate::t!(
            "capture-events-other-user-stale",
            path = path.display().to_string(),
            uid = meta.uid().to_string(),
            var = ENV_VAR
        ),
        (false, true) => {
            // Ours and stale: it can go. (unlink removes the name, never
            // what a symbolic link would point to.)
            std::fs::remove_file(path)?;
            return Ok(());
        }
    };
    Err(io::Error::new(io::ErrorKind::AddrInUse, message))
}

/// A datagram socket bound at `path`, with the sender's credentials
/// switched on before it can receive anything, and its file created with
/// mode 0666 (the umask is the only way to choose the mode of a socket
/// file at creation).
fn new_socket(path: &Path) -> io::Result<UnixDatagram> {
    use socket2::{Domain, SockAddr, Socket, Type};
    use std::os::fd::AsRawFd;
    let sock = Socket::new(Domain::UNIX, Type::DGRAM, None)?;
    crate::sys::pass_credentials(sock.as_raw_fd())?;
    let addr = SockAddr::unix(path)?;
    crate::sys::with_umask(SOCKET_MODE_UMASK, || sock.bind(&addr))?;
    sock.set_nonblocking(true)?;
    Ok(UnixDatagram::from(std::os::fd::OwnedFd::from(sock)))
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.file.remove();
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn only_the_socket_file_we_made_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("link.sock");
        // Ours: removed.
        let sock = UnixDatagram::bind(&path).unwrap();
        let file = SocketFile::created(&path);
        file.remove();
        assert!(!path.exists(), "our socket file is removed");
        drop(sock);
        // Swapped for something else after bind(): left alone.
        let sock = UnixDatagram::bind(&path).unwrap();
        let file = SocketFile::created(&path);
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"someone else's").unwrap();
        file.remove();
        assert_eq!(std::fs::read(&path).unwrap(), b"someone else's");
        drop(sock);
    }
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn sample() -> CallEvent {
        CallEvent {
            prog: "tcp_client".into(),
            name: None,
            pid: 4242,
            call: "connect".into(),
            phase: Phase::Enter,
            local: Some("127.0.0.1:53312".parse().unwrap()),
            peer: Some("[::1]:5000".parse().unwrap()),
            result: "ok".into(),
            returned: None,
            t: Duration::from_micros(1_732_449_600_123_456),
            other_uid: None,
        }
    }

    /// A directory for one test, removed when dropped.
    struct TestDir(PathBuf);

    impl TestDir {
        fn new(tag: &str) -> TestDir {
            // A fresh directory (removed by Drop), never a name another
            // user could have prepared.
            let dir = tempfile::Builder::new()
                .prefix(&format!("socklab-ev-{tag}-"))
                .tempdir()
                .unwrap();
            TestDir(dir.keep())
        }
    }

    impl Drop for TestDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// One event datagram as this process would send it, with `pid` claimed.
    fn datagram(pid: u32, call: &str) -> Vec<u8> {
        let mut ev = sample();
        ev.pid = pid;
        ev.call = call.into();
        ev.to_bytes()
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
    fn control_and_bidirectional_characters_cannot_reach_the_terminal() {
        let mut ev = sample();
        ev.result = "ok\u{1b}[2J".into();
        assert_eq!(
            CallEvent::parse(&ev.to_bytes()).unwrap().result,
            "ok\\x1b[2J"
        );
        // U+202E would show "6 bytes" reversed and the rest after it.
        ev.result = "6 bytes \"\u{202e}olleh\" \u{2066}x\u{2069}\u{200b}".into();
        assert_eq!(
            CallEvent::parse(&ev.to_bytes()).unwrap().result,
            "6 bytes \"\\u{202e}olleh\" \\u{2066}x\\u{2069}\\u{200b}"
        );
    }

    #[test]
    fn a_uid_in_a_datagram_is_ignored_but_kept_in_a_recording() {
        let mut ev = sample();
        ev.other_uid = Some(1001);
        let bytes = ev.to_bytes();
        assert!(String::from_utf8_lossy(&bytes).contains("\"uid\":1001"));
        assert_eq!(
            CallEvent::parse(&bytes).unwrap().other_uid,
            None,
            "only the kernel says who sent a datagram"
        );
        assert_eq!(CallEvent::parse_recorded(&bytes).unwrap(), ev);
        assert_eq!(ev.who(), "tcp_client[4242, uid 1001]");
        assert_eq!(sample().who(), "tcp_client[4242]");
        let bad = String::from_utf8_lossy(&bytes).replace("1001", "\"x\"");
        assert_eq!(
            CallEvent::parse_recorded(bad.as_bytes()),
            Err(EventError::Field("uid"))
        );
    }

    /// One of each outcome, with the fields a lab program sends.
    pub(crate) fn every_outcome() -> Vec<Outcome> {
        let peer: SocketAddr = "127.0.0.1:53312".parse().unwrap();
        let refused = CallError {
            errno: 111,
            on: Some(crate::net::Transport::Tcp),
        };
        let reset = CallError {
            errno: 104,
            on: None,
        };
        vec![
            Outcome::NewSocket { peer },
            Outcome::NewClient { peer, n: 3 },
            Outcome::Refusing { peer, max: 2 },
            Outcome::AcceptOff,
            Outcome::Bytes { n: 1 },
            Outcome::Bytes { n: 6 },
            Outcome::BytesFrom { n: 14, from: peer },
            Outcome::End(End::PeerClosed),
            Outcome::End(End::ReadShut),
            Outcome::End(End::IcmpRefused),
            Outcome::End(End::Error(refused)),
            Outcome::BytesThenError {
                n: 4096,
                error: reset,
            },
            Outcome::BytesLastCall {
                n: 67_108_864,
                last: End::PeerClosed,
            },
            Outcome::BytesLastCall {
                n: 0,
                last: End::Error(reset),
            },
        ]
    }

    #[test]
    fn a_typed_result_goes_through_the_datagram_whole() {
        for what in every_outcome() {
            for (calls, data) in [(None, None), (Some(4096), Some("hello\\n".to_string()))] {
                let mut ev = sample();
                ev.phase = Phase::Return;
                ev.returned = Some(Returned {
                    what: what.clone(),
                    calls,
                    data,
                });
                let back = CallEvent::parse(&ev.to_bytes()).unwrap();
                assert_eq!(back, ev, "{what:?}");
            }
        }
    }

    #[test]
    fn an_event_without_a_typed_result_or_with_one_not_understood_keeps_its_text() {
        // As an older lab program sends it.
        let old = br#"{"v":1,"prog":"tcp_server","pid":7,"call":"accept","phase":"return",
            "local":"127.0.0.1:5000","peer":"127.0.0.1:53312","result":"new socket for 127.0.0.1:53312","t_us":1}"#;
        let ev = CallEvent::parse(old).unwrap();
        assert_eq!(ev.returned, None);
        assert_eq!(ev.result, "new socket for 127.0.0.1:53312");
        // A newer kind, a wrong type, an errno out of range, a bad address:
        // the event is kept, shown by its text.
        for returned in [
            r#"{"kind":"teleported"}"#,
            r#"{"kind":"bytes","n":"six"}"#,
            r#"{"kind":"bytes","n":-1}"#,
            r#"{"kind":"error","errno":0}"#,
            r#"{"kind":"error","errno":99999}"#,
            r#"{"kind":"error","errno":111,"transport":"sctp"}"#,
            r#"{"kind":"new-socket","peer":"not an address"}"#,
            r#"{"kind":"bytes-last-call","n":1,"last":"bytes"}"#,
            r#"{"kind":"bytes","n":1,"data":7}"#,
            r#""bytes""#,
        ] {
            let text = String::from_utf8_lossy(old).replace(
                r#""t_us":1}"#,
                &format!(r#""t_us":1,"returned":{returned}}}"#),
            );
            let ev =
                CallEvent::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{returned}: {e}"));
            assert_eq!(ev.returned, None, "{returned}");
            assert_eq!(ev.result, "new socket for 127.0.0.1:53312");
        }
    }

    #[test]
    fn a_typed_results_data_is_escaped_and_bounded() {
        let mut ev = sample();
        ev.phase = Phase::Return;
        ev.returned = Some(Returned {
            what: Outcome::Bytes { n: 6 },
            calls: None,
            data: Some(format!("\u{1b}[2J\u{202e}{}", "x".repeat(500))),
        });
        let back = CallEvent::parse(&ev.to_bytes()).unwrap();
        let data = back.returned.unwrap().data.unwrap();
        assert!(
            !data.contains('\u{1b}') && !data.contains('\u{202e}'),
            "{data:?}"
        );
        assert!(data.chars().count() <= MAX_RESULT + 1, "{}", data.len());
    }

    #[test]
    fn a_name_is_shown_beside_the_program_checked_and_escaped() {
        let mut ev = sample();
        ev.prog = "chat".into();
        ev.name = Some("alice".into());
        let bytes = ev.to_bytes();
        assert!(String::from_utf8_lossy(&bytes).contains("\"name\":\"alice\""));
        assert_eq!(CallEvent::parse(&bytes).unwrap(), ev);
        assert_eq!(ev.who(), "chat alice[4242]");
        ev.other_uid = Some(1001);
        assert_eq!(ev.who(), "chat alice[4242, uid 1001]");
        // Without the field (an older program, or not a chat): as before.
        assert_eq!(CallEvent::parse(&sample().to_bytes()).unwrap().name, None);
        let with = |name: Value| {
            let mut v: Value = serde_json::from_slice(&sample().to_bytes()).unwrap();
            v["name"] = name;
            CallEvent::parse(v.to_string().as_bytes())
        };
        assert_eq!(with(Value::Null).unwrap().name, None);
        // Untrusted: what would act on the terminal is escaped...
        assert_eq!(
            with(json!("eve\u{202e}olleh")).unwrap().name.as_deref(),
            Some("eve\\u{202e}olleh")
        );
        assert_eq!(
            with(json!("x".repeat(MAX_USER_NAME))).unwrap().name,
            Some("x".repeat(MAX_USER_NAME))
        );
        // ...and what no chat name can be rejects the event.
        for bad in [
            json!(""),
            json!("x".repeat(MAX_USER_NAME + 1)),
            json!("two words"),
            json!("bell\u{7}"),
            json!(7),
        ] {
            assert_eq!(with(bad.clone()), Err(EventError::Field("name")), "{bad}");
        }
    }

    #[test]
    fn emitter_without_listener_is_silent_and_listener_counts() {
        let dir = TestDir::new("count");
        let path = dir.0.join("ev.sock");
        let em = Emitter::with_path("tcp_server", path.clone());
        em.emit("socket", Phase::Return, None, None, "ok"); // nobody listens: ignored
        let mut l = Listener::bind(&path).unwrap();
        // Having found nobody, the emitter stays quiet for ABSENT_PAUSE:
        // this call is not sent although a listener is there now.
        em.emit("listen", Phase::Return, None, None, "ok");
        std::thread::sleep(ABSENT_PAUSE + Duration::from_millis(5));
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
        assert_eq!(evs[0].other_uid, None, "our own user's event is not marked");
        assert_eq!(
            l.stats,
            ListenerStats {
                accepted: 1,
                rejected: 2
            }
        );
        drop(l);
        assert!(!path.exists(), "listener removes its socket file");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_event_in_another_process_name_is_rejected() {
        let dir = TestDir::new("spoof");
        let path = dir.0.join("ev.sock");
        let mut l = Listener::bind(&path).unwrap();
        let raw = UnixDatagram::unbound().unwrap();
        let me = std::process::id();
        // pid 1 is never us: this is `init[1]: close()` from a stranger.
        raw.send_to(&datagram(1, "close"), &path).unwrap();
        raw.send_to(&datagram(me.wrapping_add(1), "close"), &path)
            .unwrap();
        raw.send_to(&datagram(me, "send"), &path).unwrap();
        let evs = l.drain();
        assert_eq!(
            evs.iter().map(|e| e.call.as_str()).collect::<Vec<_>>(),
            ["send"]
        );
        assert_eq!(l.stats.rejected, 2, "{:?}", l.stats);
    }

    #[test]
    fn the_socket_file_is_created_writable_by_all_whatever_the_umask() {
        let dir = TestDir::new("mode");
        let path = dir.0.join("ev.sock");
        let l = Listener::bind(&path).unwrap();
        let mode = std::fs::symlink_metadata(&path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o666, "{mode:o}");
        drop(l);
    }

    #[test]
    fn a_stale_socket_of_ours_is_replaced_and_anything_else_refused() {
        let dir = TestDir::new("stale");
        let path = dir.0.join("ev.sock");
        // A socket file nobody receives on, as a killed capture leaves it.
        drop(UnixDatagram::bind(&path).unwrap());
        let l = Listener::bind(&path).unwrap();
        let err = Listener::bind(&path).unwrap_err().to_string();
        assert!(
            err.contains("another capture is already receiving"),
            "{err}"
        );
        drop(l);
        std::fs::write(&path, b"precious").unwrap();
        let err = Listener::bind(&path).unwrap_err().to_string();
        assert!(err.contains("is not a socket"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"precious");
    }

    #[test]
    fn a_socket_file_swapped_for_another_file_is_not_removed_at_the_end() {
        let dir = TestDir::new("swap");
        let path = dir.0.join("ev.sock");
        let l = Listener::bind(&path).unwrap();
        std::fs::rename(&path, dir.0.join("moved.sock")).unwrap();
        std::fs::write(&path, b"not ours").unwrap();
        drop(l);
        assert_eq!(std::fs::read(&path).unwrap(), b"not ours");
    }

    #[test]
    fn sockets_of_another_user_are_refused_live_or_stale() {
        if !crate::sys::is_root() {
            eprintln!("skipping: giving a socket to another user needs root");
            return;
        }
        let dir = TestDir::new("other");
        let path = dir.0.join("ev.sock");
        let theirs = UnixDatagram::bind(&path).unwrap();
        std::os::unix::fs::lchown(&path, Some(65534), Some(65534)).unwrap();
        let err = Listener::bind(&path).unwrap_err().to_string();
        assert!(
            err.contains("events socket of another user (uid 65534)") && err.contains(ENV_VAR),
            "{err}"
        );
        drop(theirs);
        let err = Listener::bind(&path).unwrap_err().to_string();
        assert!(err.contains("left by another user (uid 65534)"), "{err}");
        assert!(path.exists(), "another user's socket is not removed");
    }

    #[test]
    fn a_private_directory_must_be_a_real_directory_of_its_user_alone() {
        let dir = TestDir::new("private");
        let me = crate::sys::effective_uid();
        let private = dir.0.join("p");
        make_private_dir(&private, me).unwrap();
        let meta = std::fs::symlink_metadata(&private).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o700);
        make_private_dir(&private, me).expect("an existing good one is accepted");

        let err = check_private_dir(&private, me.wrapping_add(1)).unwrap_err();
        assert!(
            err.contains("belongs to user") && err.contains(ENV_VAR),
            "{err}"
        );

        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = make_private_dir(&private, me).unwrap_err().to_string();
        assert!(err.contains("chmod 700"), "{err}");

        let link = dir.0.join("link");
        std::os::unix::fs::symlink(&private, &link).unwrap();
        let err = check_private_dir(&link, me).unwrap_err();
        assert!(err.contains("symbolic link"), "{err}");

        // A parent that others may write and that is not sticky: unsafe.
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = check_private_dir(&private, me).unwrap_err();
        assert!(err.contains("not sticky"), "{err}");
        std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o1777)).unwrap();
        check_private_dir(&private, me).expect("a sticky parent is fine");
        assert_eq!(meta.uid(), me);
    }

    #[test]
    fn the_default_location_is_the_invoking_users_private_directory() {
        assert_eq!(default_dir(1000), Path::new("/tmp/socklab-1000"));
        let loc = Location::Private {
            uid: 1000,
            dir: default_dir(1000),
        };
        assert_eq!(loc.path(), Path::new("/tmp/socklab-1000/events.sock"));
        assert_eq!(
            Location::Chosen("/tmp/room-b.sock".into()).path(),
            Path::new("/tmp/room-b.sock")
        );
    }

    #[test]
    fn an_emitter_sends_nothing_into_a_directory_that_is_not_its_users() {
        let dir = TestDir::new("squat");
        let me = crate::sys::effective_uid();
        let private = dir.0.join("p");
        make_private_dir(&private, me).unwrap();
        let path = private.join(SOCKET_NAME);
        let mut l = Listener::bind(&path).unwrap();
        let mut em = Emitter::with_path("tcp_client", path.clone());
        em.private = Some((private.clone(), me));
        em.emit("socket", Phase::Return, None, None, "ok");
        assert_eq!(l.drain().len(), 1, "our own directory: sent");
        // The same directory, but it now claims to be somebody else's.
        em.private = Some((private.clone(), me.wrapping_add(1)));
        em.emit("socket", Phase::Return, None, None, "ok");
        assert_eq!(
            l.drain().len(),
            0,
            "a directory of another user: nothing sent"
        );
    }

    /// The sentences of "h-i18n-rest 2" (the events socket already there,
    /// the kernel tracer's own reasons, the web page's refusals, sudo's
    /// ids): said in both languages, differently, with every value in.
    #[test]
    fn the_startup_refusals_are_said_in_both_languages() {
        use crate::i18n::{tr_in, Arg, Lang};
        let e = || Arg::from("Permission denied (os error 13)");
        let p = || Arg::from("/tmp/socklab-1000/events.sock");
        let cases: Vec<(&str, Vec<(&str, Arg<'_>)>)> = vec![
            (
                "capture-events-cannot-create",
                vec![("path", p()), ("error", e())],
            ),
            (
                "capture-events-cannot-use",
                vec![("path", p()), ("error", e())],
            ),
            (
                "capture-events-not-socket",
                vec![("path", p()), ("var", ENV_VAR.into())],
            ),
            (
                "capture-events-in-use",
                vec![("path", p()), ("var", ENV_VAR.into())],
            ),
            (
                "capture-events-other-user-live",
                vec![
                    ("path", p()),
                    ("uid", "65534".into()),
                    ("var", ENV_VAR.into()),
                ],
            ),
            (
                "capture-events-other-user-stale",
                vec![
                    ("path", p()),
                    ("uid", "65534".into()),
                    ("var", ENV_VAR.into()),
                ],
            ),
            (
                "capture-kernel-cannot-create-instance",
                vec![("error", e())],
            ),
            (
                "capture-kernel-cannot-set-up",
                vec![("what", "trace_clock".into()), ("error", e())],
            ),
            ("capture-kernel-cannot-start-reader", vec![("error", e())]),
            ("capture-kernel-cannot-follow", vec![("error", e())]),
            ("capture-kernel-cannot-start", vec![("error", e())]),
            (
                "capture-kernel-header-page",
                vec![("why", "no field `commit`".into())],
            ),
            ("capture-tracefs-not-built", vec![]),
            (
                "capture-tracefs-not-mounted",
                vec![("path", "/sys/kernel/tracing".into())],
            ),
            (
                "capture-tracefs-mount-failed",
                vec![("path", "/sys/kernel/tracing".into()), ("error", e())],
            ),
            ("capture-web-too-many", vec![]),
            ("capture-web-too-large", vec![]),
            ("capture-web-method", vec![]),
            ("capture-web-wrong-host", vec![]),
            ("capture-web-bad-request", vec![]),
            ("capture-web-not-found", vec![]),
            (
                "capture-svg-cannot-write",
                vec![("path", "out.svg".into()), ("error", e())],
            ),
            ("common-sudo-uid-bad", vec![("raw", "\"x\"".into())]),
            ("common-sudo-gid-missing", vec![("uid", "1000".into())]),
        ];
        for (id, args) in &cases {
            let en = tr_in(Lang::En, id, args);
            let pt = tr_in(Lang::PtBr, id, args);
            assert!(!en.is_empty() && !pt.is_empty(), "{id}");
            assert_ne!(en, pt, "{id} is not translated");
            assert!(
                !en.contains(id) && !pt.contains(id),
                "{id} is missing: {en} / {pt}"
            );
            for (name, value) in args {
                let Arg::Str(v) = value else { continue };
                assert!(
                    en.contains(&**v) && pt.contains(&**v),
                    "{id} drops ${name}: {en} / {pt}"
                );
            }
        }
        // The OS's words are kept as they are; English is unchanged.
        assert_eq!(
            tr_in(
                Lang::En,
                "capture-kernel-cannot-create-instance",
                &[("error", e())]
            ),
            "cannot create a tracing instance: Permission denied (os error 13)"
        );
        assert_eq!(
            tr_in(
                Lang::PtBr,
                "capture-kernel-cannot-create-instance",
                &[("error", e())]
            ),
            "não foi possível criar uma instância de tracing: Permission denied (os error 13)"
        );
    }
}
