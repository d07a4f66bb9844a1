//! The control socket of a running lab network: `twohost status`, `set`
//! and `down` talk to the process that owns the network through it, and
//! `twohost exec` / `capture shell` find that process by it.
//!
//! It is a Unix stream socket in the abstract namespace (no file, gone
//! when its process ends, so never stale), named
//! `socklab/<kind>/<uid>/<prefix>`, bound in the machine's own network
//! namespace before the owner moves anywhere else. The kernel tells each
//! side who the other is (`SO_PEERCRED`): a client believes a server only
//! if it runs as the same user or as root, and a server takes `set` and
//! `stop` only from its own user or root. One JSON object per line each
//! way: `{"op":"status"}`, `{"op":"set","settings":{...}}`, `{"op":"stop"}`.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{json, Value};

use super::Impairments;
use crate::sys::linux as sys;

/// The longest request or reply line.
const MAX_LINE: u64 = 64 * 1024;
/// How long a client waits for a reply, and a server for a request.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// The message (and `error_id`) of a reply refusing a user who may not
/// change or stop the network.
pub const NOT_OWNER: &str = "twohost-control-not-owner";

/// The error a reply carries, if any, in this process's language when the
/// reply names it (`error_id`), else as the owner said it.
pub fn reply_error(body: &Value) -> Option<String> {
    let text = body.get("error")?.as_str()?;
    Some(match body.get("error_id").and_then(Value::as_str) {
        Some(NOT_OWNER) => crate::t!(NOT_OWNER),
        _ => text.to_string(),
    })
}

/// The abstract name of the control socket of `kind` (`twohost`,
/// `private`) for user `uid` and name prefix `prefix`.
pub fn socket_name(kind: &str, uid: u32, prefix: &str) -> String {
    format!("socklab/{kind}/{uid}/{prefix}")
}

fn address(name: &str) -> io::Result<SocketAddr> {
    SocketAddr::from_abstract_name(name.as_bytes())
}

/// A request to the owner of a network.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Status,
    /// Change the link: the settings given replace those in force.
    Set(Value),
    Stop,
}

impl Request {
    fn to_json(&self) -> Value {
        match self {
            Request::Status => json!({"op": "status"}),
            Request::Set(settings) => json!({"op": "set", "settings": settings}),
            Request::Stop => json!({"op": "stop"}),
        }
    }

    fn from_json(v: &Value) -> Option<Request> {
        match v.get("op")?.as_str()? {
            "status" => Some(Request::Status),
            "set" => Some(Request::Set(v.get("settings")?.clone())),
            "stop" => Some(Request::Stop),
            _ => None,
        }
    }
}

/// The listening side, held by the owner of a network.
pub struct Server {
    listener: UnixListener,
}

/// Who asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer {
    pub pid: u32,
    pub uid: u32,
}

impl Server {
    /// Take the name. `AddrInUse` when some process holds it already.
    pub fn bind(name: &str) -> io::Result<Server> {
        let listener = UnixListener::bind_addr(&address(name)?)?;
        listener.set_nonblocking(true)?;
        Ok(Server { listener })
    }

    /// Answer requests until `stop` is set (looked at every 100 ms) or
    /// `handle` says to stop (its second return value).
    pub fn serve(
        &self,
        stop: &AtomicBool,
        mut handle: impl FnMut(Request, Peer) -> (Value, bool),
    ) -> io::Result<()> {
        let fd = self.listener.as_raw_fd();
        while !stop.load(Ordering::SeqCst) {
            let ready = sys::ppoll_readable(&[fd], Some(Duration::from_millis(100)))?;
            if !ready[0] {
                continue;
            }
            let stream = match self.listener.accept() {
                Ok((s, _)) => s,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            };
            let Ok((pid, uid)) = sys::peer_credentials(stream.as_raw_fd()) else {
                continue;
            };
            if let Some(done) = answer(stream, Peer { pid, uid }, &mut handle) {
                if done {
                    break;
                }
            }
        }
        Ok(())
    }
}

fn answer(
    stream: UnixStream,
    peer: Peer,
    handle: &mut impl FnMut(Request, Peer) -> (Value, bool),
) -> Option<bool> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(IO_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(IO_TIMEOUT)).ok()?;
    let mut line = String::new();
    BufReader::new((&stream).take(MAX_LINE))
        .read_line(&mut line)
        .ok()?;
    let request = serde_json::from_str::<Value>(&line)
        .ok()
        .as_ref()
        .and_then(Request::from_json);
    let (reply, done) = match request {
        Some(r @ (Request::Set(_) | Request::Stop))
            if peer.uid != sys::real_ids().0 && peer.uid != 0 =>
        {
            let _ = r;
            (
                json!({
                    "error": crate::t!(NOT_OWNER),
                    // The asker says it in its own language.
                    "error_id": NOT_OWNER,
                }),
                false,
            )
        }
        Some(r) => handle(r, peer),
        None => (
            json!({"error": crate::t!("twohost-control-not-a-request")}),
            false,
        ),
    };
    let mut w = &stream;
    let _ = writeln!(w, "{reply}");
    Some(done)
}

/// What a client got back.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// The owner, as the kernel knows it.
    pub peer: Peer,
    pub body: Value,
}

/// Ask the owner behind `name`. `Ok(None)` when nobody holds the name;
/// an error when the holder is neither us nor root (someone squatting it).
pub fn request(name: &str, req: &Request) -> io::Result<Option<Reply>> {
    let stream = match UnixStream::connect_addr(&address(name)?) {
        Ok(s) => s,
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => return Ok(None),
        Err(e) => return Err(e),
    };
    let (pid, uid) = sys::peer_credentials(stream.as_raw_fd())?;
    if uid != sys::real_ids().0 && uid != 0 {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            crate::t!(
                "twohost-control-squatted",
                name = name,
                pid = pid,
                uid = uid
            ),
        ));
    }
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    // An owner that is ending closes its socket with our connection still
    // waiting to be accepted: the kernel resets it. That owner is gone.
    let gone = |e: &io::Error| {
        matches!(
            e.kind(),
            io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
        )
    };
    let mut w = &stream;
    match writeln!(w, "{}", req.to_json()) {
        Err(e) if gone(&e) => return Ok(None),
        other => other?,
    }
    let mut line = String::new();
    match BufReader::new((&stream).take(MAX_LINE)).read_line(&mut line) {
        Ok(0) => return Ok(None),
        Err(e) if gone(&e) => return Ok(None),
        other => {
            other?;
        }
    }
    let body = serde_json::from_str(&line).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            crate::t!("twohost-control-not-json", error = e.to_string()),
        )
    })?;
    Ok(Some(Reply {
        peer: Peer { pid, uid },
        body,
    }))
}

/// The settings of a link as JSON (`twohost status --json`'s `link`).
pub fn impairments_json(cfg: &Impairments) -> Value {
    json!({
        "delay_ms": cfg.delay.as_secs_f64() * 1000.0,
        "jitter_ms": cfg.jitter.as_secs_f64() * 1000.0,
        "rate_bps": cfg.rate_bps,
        "queue": cfg.queue,
        "loss_percent": cfg.loss_percent,
        "burst": cfg.burst,
        "reorder_percent": cfg.reorder_percent,
        "reorder_gap": cfg.reorder_gap,
        "duplicate_percent": cfg.duplicate_percent,
    })
}

/// `base` with the settings present in `v` (as [`impairments_json`] writes
/// them) put in; each value is checked as the command line checks it.
pub fn apply_settings(base: &Impairments, v: &Value) -> Result<Impairments, String> {
    let mut cfg = base.clone();
    let num = |k: &str| v.get(k).and_then(Value::as_f64);
    let ms = |k: &str| -> Result<Option<Duration>, String> {
        num(k)
            .map(|x| super::parse_delay(&format!("{x}ms")))
            .transpose()
    };
    let pct = |k: &str| {
        num(k)
            .map(|x| super::parse_percent(&x.to_string()))
            .transpose()
    };
    if let Some(d) = ms("delay_ms")? {
        cfg.delay = d;
    }
    if let Some(d) = ms("jitter_ms")? {
        cfg.jitter = d;
    }
    match v.get("rate_bps") {
        Some(Value::Null) => cfg.rate_bps = None,
        Some(r) => {
            let bps = r
                .as_f64()
                .ok_or_else(|| crate::t!("twohost-control-not-a-number", key = "rate_bps"))?;
            cfg.rate_bps = Some(super::parse_rate(&format!("{bps}bit"))?);
        }
        None => {}
    }
    if let Some(q) = num("queue") {
        cfg.queue = super::parse_queue(&q.to_string())?;
    }
    if let Some(p) = pct("loss_percent")? {
        cfg.loss_percent = p;
    }
    match v.get("burst") {
        Some(Value::Null) => cfg.burst = None,
        Some(b) => {
            let b = b
                .as_f64()
                .ok_or_else(|| crate::t!("twohost-control-not-a-number", key = "burst"))?;
            cfg.burst = Some(super::parse_burst(&b.to_string())?);
        }
        None => {}
    }
    if let Some(p) = pct("reorder_percent")? {
        cfg.reorder_percent = p;
    }
    if let Some(p) = pct("duplicate_percent")? {
        cfg.duplicate_percent = p;
    }
    super::check(&cfg)?;
    Ok(cfg)
}

/// `current` (each direction's settings, by [`super::direction_key`]) with
/// the settings `v` put in: its plain keys in every direction, and each
/// entry of its `directions` object (`{"alice->bob": {"delay_ms": 50}}`)
/// in the direction it names.
pub fn apply_directed_settings(
    current: &BTreeMap<String, Impairments>,
    v: &Value,
) -> Result<BTreeMap<String, Impairments>, String> {
    let mut plain = v.clone();
    let directions = plain.as_object_mut().and_then(|m| m.remove("directions"));
    let mut out = BTreeMap::new();
    for (name, cfg) in current {
        out.insert(name.clone(), apply_settings(cfg, &plain)?);
    }
    let Some(directions) = directions else {
        return Ok(out);
    };
    let known = || {
        current
            .keys()
            .map(|k| k.replace("->", "-to-"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let directions = directions.as_object().ok_or_else(|| {
        crate::t!(
            "twohost-link-no-such-direction",
            direction = "?",
            known = known()
        )
    })?;
    for (name, settings) in directions {
        let Some(cfg) = out.get(name) else {
            return Err(crate::t!(
                "twohost-link-no-such-direction",
                direction = name.replace("->", "-to-"),
                known = known()
            ));
        };
        let cfg = apply_settings(cfg, settings)?;
        out.insert(name.clone(), cfg);
    }
    Ok(out)
}

/// Counts of one direction as JSON.
pub fn stats_json(s: &super::Stats) -> Value {
    json!({
        "received": s.received,
        "forwarded": s.forwarded,
        "dropped": s.dropped(),
        "dropped_random": s.dropped_random,
        "dropped_burst": s.dropped_burst,
        "dropped_queue": s.dropped_queue,
        "dropped_overflow": s.dropped_overflow,
        "duplicated": s.duplicated,
        "reordered": s.reordered,
        "delayed": s.delayed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directed_settings_change_the_directions_they_name() {
        let start: BTreeMap<String, Impairments> = ["alice->bob", "bob->alice"]
            .into_iter()
            .map(|d| (d.to_string(), Impairments::default()))
            .collect();
        let both = json!({"loss_percent": 2.0, "directions": {"alice->bob": {"delay_ms": 50.0}}});
        let after = apply_directed_settings(&start, &both).unwrap();
        assert_eq!(after["alice->bob"].delay, Duration::from_millis(50));
        assert_eq!(
            after["bob->alice"].delay,
            Duration::ZERO,
            "not named: unchanged"
        );
        assert!(
            after.values().all(|c| c.loss_percent == 2.0),
            "plain keys: both ways"
        );
        // A later plain value makes both directions alike again.
        let alike = apply_directed_settings(&after, &json!({"delay_ms": 5.0})).unwrap();
        assert!(alike.values().all(|c| c.delay == Duration::from_millis(5)));
        // A direction the network lacks, or a bad value in one, is refused.
        let carol = json!({"directions": {"carol->bob": {"delay_ms": 5.0}}});
        assert!(apply_directed_settings(&start, &carol)
            .unwrap_err()
            .contains("carol-to-bob"));
        let bad = json!({"directions": {"bob->alice": {"loss_percent": 500.0}}});
        assert!(apply_directed_settings(&start, &bad).is_err());
    }

    #[test]
    fn settings_round_trip_and_are_checked() {
        let cfg = Impairments {
            delay: Duration::from_millis(50),
            rate_bps: Some(10_000_000),
            loss_percent: 2.0,
            ..Impairments::default()
        };
        let back = apply_settings(&Impairments::default(), &impairments_json(&cfg)).unwrap();
        assert_eq!(back, cfg);
        // Only what is given changes.
        let more = apply_settings(&cfg, &json!({"loss_percent": 5.0})).unwrap();
        assert_eq!((more.loss_percent, more.delay), (5.0, cfg.delay));
        assert!(apply_settings(&cfg, &json!({"loss_percent": 500.0})).is_err());
        assert!(apply_settings(&cfg, &json!({"delay_ms": -1.0})).is_err());
        assert!(apply_settings(&cfg, &json!({"rate_bps": 0})).is_err());
        assert_eq!(
            apply_settings(&cfg, &json!({"rate_bps": null}))
                .unwrap()
                .rate_bps,
            None
        );
    }

    #[test]
    fn a_server_answers_and_nobody_listening_is_none() {
        let name = socket_name(
            "test",
            sys::real_ids().0,
            &format!("ctl{}", std::process::id()),
        );
        assert_eq!(request(&name, &Request::Status).unwrap(), None);
        let server = Server::bind(&name).unwrap();
        assert_eq!(
            Server::bind(&name).err().map(|e| e.kind()),
            Some(io::ErrorKind::AddrInUse)
        );
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                server
                    .serve(&stop, |req, peer| match req {
                        Request::Stop => (json!({"stopped": true}), true),
                        other => (
                            json!({"asked": format!("{other:?}"), "by": peer.pid}),
                            false,
                        ),
                    })
                    .unwrap()
            });
            let r = request(&name, &Request::Status).unwrap().unwrap();
            assert_eq!(r.peer.pid, std::process::id());
            assert_eq!(r.body["asked"], "Status");
            let r = request(&name, &Request::Stop).unwrap().unwrap();
            assert_eq!(r.body["stopped"], true);
        });
    }
}
