//! What the timeline hands to the renderers: items in time order, socket
//! calls with typed relations to the segments around them, and the counters
//! of the end of a capture. Facts only: the words are made in `render`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::events::{CallEvent, Phase};
use crate::track::{Annotation, ConnSummary, DatagramNote, Side, Step};
use crate::wire::detail::Headers;
use crate::wire::{Datagram, DecodeError, IcmpError, Segment, TcpFlags};

/// One thing that happened, in time order: what the renderers draw.
#[derive(Clone, Debug)]
pub enum Item {
    /// A TCP segment and what the tracker made of it.
    Segment {
        t: Duration,
        seg: Segment,
        ann: Annotation,
        /// Every header field, when asked for (`-v`, the web view).
        headers: Option<Arc<Headers>>,
    },
    /// A UDP datagram.
    Datagram {
        t: Duration,
        d: Datagram,
        note: DatagramNote,
        /// Every header field, when asked for (`-v`, the web view).
        headers: Option<Arc<Headers>>,
    },
    /// A frame that is neither TCP nor UDP (ARP, ICMP, other protocols).
    Other {
        t: Duration,
        what: String,
        /// An ICMP error about a TCP or UDP packet, as facts.
        icmp: Option<Icmp>,
        /// Every header field of an IP packet, when asked for.
        headers: Option<Arc<Headers>>,
    },
    /// A frame that could not be decoded (truncated or malformed).
    Bad { t: Duration, err: DecodeError },
    /// A socket call reported by a lab program.
    Call(Call),
    /// A connection ended (or the capture did): its summary.
    Connection(ConnSummary),
}

impl Item {
    /// When it happened (realtime, since the Unix epoch).
    pub fn t(&self) -> Duration {
        match self {
            Item::Segment { t, .. }
            | Item::Datagram { t, .. }
            | Item::Other { t, .. }
            | Item::Bad { t, .. } => *t,
            Item::Call(c) => c.ev.t,
            Item::Connection(s) => s.last,
        }
    }

    /// The connection or UDP flow it belongs to, when it belongs to one.
    pub fn conversation(&self) -> Option<Conversation> {
        match self {
            Item::Segment { ann, .. } => ann.conn.map(Conversation::Tcp),
            Item::Datagram { note, .. } => Some(Conversation::Udp(note.flow)),
            Item::Other { icmp, .. } => icmp.as_ref().and_then(|i| i.about),
            Item::Call(c) => c.conversation(),
            Item::Connection(s) => Some(Conversation::Tcp(s.conn)),
            Item::Bad { .. } => None,
        }
    }

    /// Every header field of the packet, when the timeline decoded them.
    pub fn headers(&self) -> Option<&Headers> {
        match self {
            Item::Segment { headers, .. }
            | Item::Datagram { headers, .. }
            | Item::Other { headers, .. } => headers.as_deref(),
            _ => None,
        }
    }
}

/// A TCP connection or a UDP flow, by the number the capture gave it
/// (`#3`, `u2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Conversation {
    Tcp(u64),
    Udp(u64),
}

impl Conversation {
    /// `#3` or `u2`, as every view writes it.
    pub fn tag(self) -> String {
        match self {
            Conversation::Tcp(n) => format!("#{n}"),
            Conversation::Udp(n) => format!("u{n}"),
        }
    }
}

/// An ICMP error and the conversation of the packet it quotes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Icmp {
    pub error: IcmpError,
    /// The connection or flow of the quoted packet, when the capture saw it.
    pub about: Option<Conversation>,
}

/// The socket calls the timeline knows how to relate to the wire. A name
/// it does not know (events are untrusted: anyone can send one) is kept
/// as it came, already checked by `events` to be a short identifier.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SocketCall {
    Socket,
    Setsockopt,
    Bind,
    Listen,
    Accept,
    Connect,
    Send,
    Recv,
    Sendto,
    Recvfrom,
    Shutdown,
    Close,
    Other(String),
}

impl SocketCall {
    /// The call named `name` (its C name, as events carry it).
    pub fn from_name(name: &str) -> SocketCall {
        match name {
            "socket" => SocketCall::Socket,
            "setsockopt" => SocketCall::Setsockopt,
            "bind" => SocketCall::Bind,
            "listen" => SocketCall::Listen,
            "accept" => SocketCall::Accept,
            "connect" => SocketCall::Connect,
            "send" => SocketCall::Send,
            "recv" => SocketCall::Recv,
            "sendto" => SocketCall::Sendto,
            "recvfrom" => SocketCall::Recvfrom,
            "shutdown" => SocketCall::Shutdown,
            "close" => SocketCall::Close,
            other => SocketCall::Other(other.to_string()),
        }
    }

    /// The C name: `connect`.
    pub fn name(&self) -> &str {
        match self {
            SocketCall::Socket => "socket",
            SocketCall::Setsockopt => "setsockopt",
            SocketCall::Bind => "bind",
            SocketCall::Listen => "listen",
            SocketCall::Accept => "accept",
            SocketCall::Connect => "connect",
            SocketCall::Send => "send",
            SocketCall::Recv => "recv",
            SocketCall::Sendto => "sendto",
            SocketCall::Recvfrom => "recvfrom",
            SocketCall::Shutdown => "shutdown",
            SocketCall::Close => "close",
            SocketCall::Other(name) => name,
        }
    }

    /// A call whose entry makes the socket put something on the wire.
    pub fn sends(&self) -> bool {
        matches!(
            self,
            SocketCall::Connect
                | SocketCall::Send
                | SocketCall::Sendto
                | SocketCall::Shutdown
                | SocketCall::Close
        )
    }

    /// A call that returns when something arrived from the wire.
    pub fn waits(&self) -> bool {
        matches!(
            self,
            SocketCall::Connect | SocketCall::Accept | SocketCall::Recv | SocketCall::Recvfrom
        )
    }
}

/// What a call put on the wire: the first segment or datagram its socket
/// sent after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    Segment { flags: TcpFlags, len: u32 },
    Datagram { len: u32 },
}

/// How a call relates to the segments around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// The call's entry caused this (`connect() ...` → the SYN).
    Caused(Sent),
    /// The call returned after this step of its connection arrived
    /// (`accept()` after handshake step 3/3).
    ReturnedAfter(Step),
    /// A `close()` of the socket its program called `listen()` on (not of
    /// a connection): no segment, but new connections are refused now.
    ClosesListener,
}

/// A socket call, attributed to a connection when its addresses match one.
#[derive(Clone, Debug)]
pub struct Call {
    /// The event as the program reported it (display only: untrusted).
    pub ev: CallEvent,
    /// Which call it is.
    pub call: SocketCall,
    pub conn: Option<u64>,
    /// The UDP flow it was made on, when its addresses match one.
    pub flow: Option<u64>,
    /// How it relates to the segments around it, when something matches.
    pub relation: Option<Relation>,
    /// Which column of the ladder it belongs to.
    pub side: Option<Side>,
    /// The connection's (client, server) addresses, or the flow's (first
    /// sender, receiver), when attributed.
    pub ends: Option<(SocketAddr, SocketAddr)>,
}

impl Call {
    /// A call not yet attributed to anything.
    pub fn new(ev: CallEvent) -> Call {
        Call {
            call: SocketCall::from_name(&ev.call),
            ev,
            conn: None,
            flow: None,
            relation: None,
            side: None,
            ends: None,
        }
    }

    /// The connection or UDP flow it was made on.
    pub fn conversation(&self) -> Option<Conversation> {
        self.conn
            .map(Conversation::Tcp)
            .or(self.flow.map(Conversation::Udp))
    }

    /// The entry of a call that makes its socket send something.
    pub fn sends(&self) -> bool {
        self.ev.phase == Phase::Enter && self.call.sends()
    }

    /// The return of a call that waited for something to arrive.
    pub fn waited(&self) -> bool {
        self.ev.phase == Phase::Return && self.call.waits()
    }
}

/// Kernel counters of a live capture (libpcap's `pcap_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub received: u32,
    pub dropped: u32,
    pub if_dropped: u32,
}

/// Counters shown at the end of a capture.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub packets: u64,
    pub tcp: u64,
    pub udp: u64,
    pub other: u64,
    pub truncated: u64,
    pub malformed: u64,
    pub untracked: u64,
    pub events: u64,
    /// Event datagrams ignored: malformed, oversize, or dated too far from
    /// the capture's clock.
    pub events_rejected: u64,
    /// Well-formed events not kept because too many were waiting at once.
    pub events_dropped: u64,
    /// Live captures: packets the capture itself dropped because its queue
    /// was full (the output could not keep up); see also `kernel`.
    pub capture_dropped: u64,
    /// Live captures: the kernel's counters.
    pub kernel: Option<Stats>,
}

/// The end of a capture: every connection's summary and the counters.
#[derive(Clone, Debug, Default)]
pub struct End {
    pub connections: Vec<ConnSummary>,
    /// Connections not listed because the table is capped.
    pub more_connections: u64,
    pub totals: Totals,
}
