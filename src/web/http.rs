//! A small HTTP/1.1 server for the browser view: GET of four fixed paths,
//! one of them a Server-Sent Events stream.
//!
//! Requests are parsed by `httparse` (the parser hyper uses) from a buffer
//! of at most [`MAX_HEAD`] bytes; every connection has read and write
//! timeouts and there are at most [`MAX_CONNECTIONS`] at once, so whatever a
//! browser (or anyone on a shared network) sends, memory and threads stay
//! bounded. Nothing a request says changes anything in the capture: the only
//! methods are GET and HEAD.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::hub::Hub;
use super::{assets, Site};

/// The longest request head read (request line and headers).
pub const MAX_HEAD: usize = 8 * 1024;
/// Most headers in a request.
const MAX_HEADERS: usize = 32;
/// Connections served at once (each event stream holds one).
pub const MAX_CONNECTIONS: usize = 128;
/// How long a client may take to send its request, or to take a write.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// How often an idle event stream sends a comment, so that a browser that
/// went away is noticed (its write fails).
const KEEPALIVE: Duration = Duration::from_secs(15);
/// How long a browser waits before reconnecting a dropped event stream.
const RETRY_MS: u32 = 2000;

/// Security headers on every response: no inline script or style may run,
/// nothing is loaded from elsewhere, the page is never framed, and types
/// are never guessed. The page escapes everything it shows; this is the
/// second wall if it ever did not.
const SECURITY_HEADERS: &str = "Content-Security-Policy: default-src 'none'; script-src 'self'; \
style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; \
frame-ancestors 'none'\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n\
Cache-Control: no-store\r\n";

/// Accept connections forever, each in its own thread.
pub fn serve(listener: TcpListener, site: Arc<Site>, hub: Arc<Hub>) {
    let active = Arc::new(AtomicUsize::new(0));
    for conn in listener.incoming() {
        let Ok(stream) = conn else {
            // Out of descriptors or an aborted handshake: wait a moment
            // rather than spin, and go on.
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
        let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            let mut stream = stream;
            let _ = respond(
                &mut stream,
                503,
                "text/plain",
                format!("{}\n", crate::t!("capture-web-too-many")).as_bytes(),
                false,
            );
            continue;
        }
        let (site, hub, count) = (site.clone(), hub.clone(), active.clone());
        let spawned = std::thread::Builder::new()
            .name("web-client".into())
            .spawn(move || {
                let _ = handle(stream, &site, &hub);
                count.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            // The closure (and its counter decrement) never ran.
            active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// What a request asks for, once parsed.
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    pub head_only: bool,
    /// The path without its query string.
    pub path: String,
    pub host: Option<String>,
}

/// Why a request is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not HTTP, or cut short.
    Bad,
    /// The head is over [`MAX_HEAD`] bytes or has too many headers.
    TooLarge,
    /// A method other than GET and HEAD.
    Method,
}

/// Read and parse one request head from `r`.
pub fn read_request(r: &mut impl Read) -> Result<Request, Refusal> {
    let mut buf = vec![0u8; MAX_HEAD];
    let mut len = 0;
    loop {
        if len == buf.len() {
            return Err(Refusal::TooLarge);
        }
        let n = r.read(&mut buf[len..]).map_err(|_| Refusal::Bad)?;
        if n == 0 {
            return Err(Refusal::Bad);
        }
        len += n;
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf[..len]) {
            Ok(httparse::Status::Partial) => continue,
            Ok(httparse::Status::Complete(_)) => {
                let head_only = match req.method {
                    Some("GET") => false,
                    Some("HEAD") => true,
                    _ => return Err(Refusal::Method),
                };
                let target = req.path.unwrap_or("/");
                let path = target.split(['?', '#']).next().unwrap_or("/").to_string();
                let host = req
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("host"))
                    .and_then(|h| std::str::from_utf8(h.value).ok())
                    .map(str::to_string);
                return Ok(Request {
                    head_only,
                    path,
                    host,
                });
            }
            Err(httparse::Error::TooManyHeaders) => return Err(Refusal::TooLarge),
            Err(_) => return Err(Refusal::Bad),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Service Unavailable",
    }
}

/// Write a whole response and close.
fn respond(
    w: &mut impl Write,
    status: u16,
    content_type: &str,
    body: &[u8],
    head_only: bool,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{SECURITY_HEADERS}Connection: close\r\n",
        reason(status),
        body.len()
    );
    if status == 405 {
        head.push_str("Allow: GET, HEAD\r\n");
    }
    head.push_str("\r\n");
    w.write_all(head.as_bytes())?;
    if !head_only {
        w.write_all(body)?;
    }
    w.flush()
}

/// Serve one connection: one request, then close.
fn handle(mut stream: TcpStream, site: &Site, hub: &Hub) -> io::Result<()> {
    let req = match read_request(&mut stream) {
        Ok(r) => r,
        Err(Refusal::Bad) => {
            return respond(
                &mut stream,
                400,
                "text/plain",
                format!("{}\n", crate::t!("capture-web-bad-request")).as_bytes(),
                false,
            )
        }
        Err(Refusal::TooLarge) => {
            return respond(
                &mut stream,
                431,
                "text/plain",
                format!("{}\n", crate::t!("capture-web-too-large")).as_bytes(),
                false,
            )
        }
        Err(Refusal::Method) => {
            return respond(
                &mut stream,
                405,
                "text/plain",
                format!("{}\n", crate::t!("capture-web-method")).as_bytes(),
                false,
            )
        }
    };
    if !site.host_allowed(req.host.as_deref()) {
        // A page from elsewhere that made the browser resolve its own name
        // to 127.0.0.1 (DNS rebinding) must not read the capture.
        return respond(
            &mut stream,
            403,
            "text/plain",
            format!("{}\n", crate::t!("capture-web-wrong-host")).as_bytes(),
            req.head_only,
        );
    }
    match req.path.as_str() {
        "/events" if !req.head_only => events(stream, site, hub),
        path => match assets::find(path, &site.lang) {
            Some((content_type, body)) => {
                respond(&mut stream, 200, content_type, &body, req.head_only)
            }
            None => respond(
                &mut stream,
                404,
                "text/plain",
                format!("{}\n", crate::t!("capture-web-not-found")).as_bytes(),
                req.head_only,
            ),
        },
    }
}

/// The event stream: a `hello` with the page's settings, every event still
/// in the history, then each new one as it comes.
fn events(mut stream: TcpStream, site: &Site, hub: &Hub) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n{SECURITY_HEADERS}Connection: close\r\n\r\nretry: {RETRY_MS}\n\n"
    );
    stream.write_all(head.as_bytes())?;
    let (mut cursor, dropped) = hub.start();
    write!(stream, "event: hello\ndata: {}\n\n", site.hello(dropped))?;
    stream.flush()?;
    let mut out = Vec::with_capacity(64 * 1024);
    let mut told_end = false;
    loop {
        let batch = hub.read(cursor, KEEPALIVE);
        out.clear();
        if batch.missed > 0 {
            let _ = write!(out, "event: gap\ndata: {{\"missed\":{}}}\n\n", batch.missed);
        }
        for e in &batch.events {
            // One JSON object per line: it never holds a raw newline.
            out.extend_from_slice(b"data: ");
            out.extend_from_slice(e.as_bytes());
            out.extend_from_slice(b"\n\n");
        }
        let idle = batch.events.is_empty() && batch.missed == 0;
        if idle && batch.ended && !told_end {
            out.extend_from_slice(b"event: end\ndata: {}\n\n");
            told_end = true;
        } else if idle {
            out.extend_from_slice(b": keep-alive\n\n");
        }
        stream.write_all(&out)?;
        stream.flush()?;
        cursor = batch.next;
        if idle && batch.ended {
            // Nothing more will come: stay connected (a closed stream makes
            // the browser reconnect and fetch everything again), quietly.
            std::thread::sleep(KEEPALIVE);
        }
    }
}

/// The address a server binds when none is given: loopback, a free port.
pub fn default_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8]) -> Result<Request, Refusal> {
        read_request(&mut io::Cursor::new(raw.to_vec()))
    }

    #[test]
    fn a_get_with_a_query_string() {
        assert_eq!(
            parse(b"GET /?lang=pt-BR HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"),
            Ok(Request {
                head_only: false,
                path: "/".into(),
                host: Some("127.0.0.1:8000".into())
            })
        );
    }

    #[test]
    fn only_get_and_head() {
        assert_eq!(
            parse(b"POST /events HTTP/1.1\r\nHost: x\r\n\r\n"),
            Err(Refusal::Method)
        );
        assert!(parse(b"HEAD / HTTP/1.1\r\n\r\n").unwrap().head_only);
    }

    #[test]
    fn oversized_cut_or_garbage_heads_are_refused() {
        let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', MAX_HEAD));
        assert_eq!(parse(&big), Err(Refusal::TooLarge));
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..MAX_HEADERS + 1 {
            many.extend(format!("X-{i}: y\r\n").bytes());
        }
        many.extend(b"\r\n");
        assert_eq!(parse(&many), Err(Refusal::TooLarge));
        assert_eq!(parse(b"GET / HTTP/1.1\r\nHost"), Err(Refusal::Bad));
        assert_eq!(parse(b"\x16\x03\x01\x02\x00\x01\x00"), Err(Refusal::Bad));
    }
}
