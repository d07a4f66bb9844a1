//! `capture --web`: a page for the lecture that steps through the real
//! packets like a simulation (Packet Tracer's simulation mode, with real
//! segments and the socket calls that caused them).
//!
//! - [`Web::bind`] binds the address (127.0.0.1 and a free port unless
//!   told otherwise) and [`Web::serve`] serves, from a thread, the page and a Server-Sent
//!   Events stream ([`http`]).
//! - [`WebRender`] is one more renderer in the capture loop: it writes the
//!   same JSON objects as `--json -v` (segments with their `headers`,
//!   datagrams, calls, connection summaries, totals) into a bounded history
//!   ([`hub`]) that every browser reads from.
//! - The page (`assets/`: HTML, CSS and plain JavaScript built into the
//!   binary, no build step, nothing from the network) draws the ladder, the
//!   event list, the headers layer by layer, and the controls.
//!
//! Everything a browser can do is read: the server has no path that changes
//! the capture, and the page's controls change only that page. Bound to an
//! address other than loopback (to share with a class) the page says it is
//! a read-only view. Text from outside (payloads, program names, results)
//! reaches the page inside JSON strings and is shown with `textContent`,
//! never parsed as HTML.

use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::render::json::push_str;

mod assets;
pub mod http;
pub mod hub;
pub mod quiz;
mod render;

pub use render::WebRender;

/// What to serve, from the command line.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    /// The page's language (`en`, `pt-BR`); `?lang=` in the address overrides it.
    pub lang: String,
    /// A live capture (else a file).
    pub live: bool,
    /// The interface or the file name, for the page's title bar.
    pub source: String,
}

/// Why the page cannot be served (the message in the process's language).
#[derive(Debug)]
pub enum WebError {
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    Address {
        given: String,
    },
}

impl std::fmt::Display for WebError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            WebError::Bind { addr, source } => crate::t!(
                "capture-err-web-bind",
                addr = addr.to_string(),
                error = source.to_string()
            ),
            WebError::Address { given } => crate::t!("capture-err-web-address", given = given),
        };
        f.write_str(&text)
    }
}

impl std::error::Error for WebError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WebError::Bind { source, .. } => Some(source),
            WebError::Address { .. } => None,
        }
    }
}

/// `8080`, `127.0.0.1:8080`, `0.0.0.0:8080`, `[::1]:8080` as an address
/// (a bare port means loopback).
pub fn parse_addr(given: &str) -> Result<SocketAddr, WebError> {
    if let Ok(port) = given.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    given.parse().map_err(|_| WebError::Address {
        given: given.to_string(),
    })
}

/// The settings every page request needs.
#[derive(Debug)]
pub struct Site {
    lang: String,
    live: bool,
    source: String,
    /// Bound to loopback: only this machine's browsers, by a loopback name.
    loopback: bool,
    /// The address bound (`127.0.0.1:PORT`), a name the page may be opened by.
    bound: SocketAddr,
}

impl Site {
    /// Shared with a class: the page says that it is a read-only view.
    pub fn read_only(&self) -> bool {
        !self.loopback
    }

    /// On loopback, only a Host that names loopback is served (a page from
    /// elsewhere that rebinds its own name to 127.0.0.1 sends its own name).
    fn host_allowed(&self, host: Option<&str>) -> bool {
        if !self.loopback {
            return true;
        }
        let Some(host) = host else { return false };
        let port = self.bound.port();
        [
            self.bound.to_string(),
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(host))
    }

    /// The first event of every stream: the page's settings.
    fn hello(&self, dropped: u64) -> String {
        let mut s = String::from("{\"type\":\"hello\",\"lang\":");
        push_str(&mut s, &self.lang);
        s.push_str(",\"source\":");
        push_str(&mut s, &self.source);
        s.push_str(&format!(
            ",\"live\":{},\"read_only\":{},\"dropped\":{dropped},\"history\":{},\"version\":\"{}\"}}",
            self.live,
            self.read_only(),
            hub::MAX_EVENTS,
            env!("CARGO_PKG_VERSION")
        ));
        s
    }
}

/// A browser view: its address bound, served once [`Web::serve`] is called.
pub struct Web {
    hub: Arc<hub::Hub>,
    addr: SocketAddr,
    site: Arc<Site>,
    /// The bound socket, until the server thread takes it.
    listener: Option<TcpListener>,
}

/// The capture loop's handle on the history (cheap to clone).
#[derive(Clone)]
pub struct Feed(Arc<hub::Hub>);

impl std::fmt::Debug for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Feed")
    }
}

impl Feed {
    /// The renderer that writes into this history.
    pub fn render(&self) -> WebRender {
        WebRender::new(self.0.clone())
    }
}

impl Web {
    /// Bind `cfg.addr` (no thread yet: a process about to enter a private
    /// network must still be single-threaded, and a socket bound now stays
    /// reachable from this machine's browsers after it does).
    pub fn bind(cfg: Config) -> Result<Web, WebError> {
        let listener = TcpListener::bind(cfg.addr).map_err(|source| WebError::Bind {
            addr: cfg.addr,
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| WebError::Bind {
            addr: cfg.addr,
            source,
        })?;
        let site = Arc::new(Site {
            lang: cfg.lang,
            live: cfg.live,
            source: cfg.source,
            // An IPv4-mapped 127.0.0.1 ([::ffff:127.0.0.1]) is loopback too.
            loopback: addr.ip().to_canonical().is_loopback(),
            bound: addr,
        });
        Ok(Web {
            hub: Arc::new(hub::Hub::default()),
            addr,
            site,
            listener: Some(listener),
        })
    }

    /// Serve the page and its event stream from a thread.
    pub fn serve(&mut self) -> Result<(), WebError> {
        let Some(listener) = self.listener.take() else {
            return Ok(());
        };
        let (site, hub) = (self.site.clone(), self.hub.clone());
        std::thread::Builder::new()
            .name("web".into())
            .spawn(move || http::serve(listener, site, hub))
            .map_err(|source| WebError::Bind {
                addr: self.addr,
                source,
            })?;
        Ok(())
    }

    /// The address actually bound (the free port chosen).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address to open in a browser.
    pub fn url(&self) -> String {
        match self.addr.ip() {
            ip if ip.is_unspecified() => {
                let host = crate::t!("capture-web-any-address");
                format!("http://{host}:{}/", self.addr.port())
            }
            _ => format!("http://{}/", self.addr),
        }
    }

    /// True when shared beyond this machine (the page says it is read-only).
    pub fn read_only(&self) -> bool {
        self.site.read_only()
    }

    /// The handle the capture loop writes through.
    pub fn feed(&self) -> Feed {
        Feed(self.hub.clone())
    }

    /// Keep serving until `stop` is set (Ctrl-C), after the capture ended.
    pub fn stay_up(&self, stop: &AtomicBool) {
        while !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(loopback: bool) -> Site {
        Site {
            lang: "en".into(),
            live: false,
            source: "a\"b.pcap".into(),
            loopback,
            bound: if loopback {
                "127.0.0.5:8080".parse().unwrap()
            } else {
                "0.0.0.0:8080".parse().unwrap()
            },
        }
    }

    #[test]
    fn addresses_from_the_command_line() {
        assert_eq!(parse_addr("8080").unwrap().to_string(), "127.0.0.1:8080");
        assert_eq!(parse_addr("0.0.0.0:80").unwrap().to_string(), "0.0.0.0:80");
        assert_eq!(parse_addr("[::1]:9").unwrap().to_string(), "[::1]:9");
        assert!(parse_addr("tcp").is_err());
    }

    #[test]
    fn on_loopback_only_loopback_hosts_are_served() {
        let s = site(true);
        assert!(s.host_allowed(Some("127.0.0.1:8080")));
        assert!(s.host_allowed(Some("LOCALHOST:8080")));
        assert!(
            s.host_allowed(Some("127.0.0.5:8080")),
            "the address it printed"
        );
        assert!(!s.host_allowed(Some("evil.example:8080")));
        assert!(!s.host_allowed(Some("127.0.0.1:8081")));
        assert!(!s.host_allowed(None));
        assert!(!s.read_only());
        let shared = site(false);
        assert!(shared.host_allowed(Some("10.0.0.5:8080")));
        assert!(shared.read_only());
    }

    #[test]
    fn hello_is_json() {
        let v: serde_json::Value = serde_json::from_str(&site(false).hello(3)).unwrap();
        assert_eq!(v["source"], "a\"b.pcap");
        assert_eq!(v["read_only"], true);
        assert_eq!(v["dropped"], 3);
    }
}
