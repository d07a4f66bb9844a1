//! What the timeline hands to the renderers: items in time order, socket
//! calls with typed relations to the segments around them, and the counters
//! of the end of a capture. Facts only: the words are made in `render`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::events::{CallEvent, Phase};
use crate::kernel;
use crate::track::{Annotation, ConnSummary, DatagramNote, Side, Step};

pub use super::link::LinkEvent;
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
    /// A socket call: reported by a lab program, or seen by the kernel.
    Call(Call),
    /// The kernel changed a TCP socket's state (the kernel's view).
    Kernel(KernelState),
    /// The link between the hosts did something to a frame.
    Link(LinkItem),
    /// A connection ended (or the capture did): its summary.
    Connection(ConnSummary),
}

/// The kernel's own TCP state change of a socket, attributed to the
/// connection it belongs to when its addresses match one.
#[derive(Clone, Debug)]
pub struct KernelState {
    pub change: kernel::StateChange,
    pub conn: Option<u64>,
    /// Whose socket it is (`None`: a listener, or no connection).
    pub side: Option<Side>,
}

/// What the link did to one frame, as its event says.
#[derive(Clone, Debug)]
pub struct LinkItem {
    pub ev: LinkEvent,
    /// The connection of the frame, when this capture knows it.
    pub conn: Option<u64>,
    /// This capture saw the frame: its segment's line carries the fact.
    pub seen: bool,
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
            Item::Kernel(k) => k.change.t,
            Item::Link(l) => l.ev.t,
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
            Item::Kernel(k) => k.conn.map(Conversation::Tcp),
            Item::Link(l) => l.conn.map(Conversation::Tcp),
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

/// The socket calls, as the course names them: the one enum for every
/// source (a lab program's events, the kernel's view). A name it does not
/// know (events are untrusted: anyone can send one) is kept as it came,
/// already checked by `events` to be a short identifier.
///
/// `Send` and `Recv` are what a student wrote: Python's `send()` is the
/// `sendto` system call without an address, a C program's `write()` on a
/// socket is a `send()` too (the kernel's view keeps the system call
/// itself beside it).
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
    /// `shutdown()`, and which direction(s) it closed when the source says
    /// (the kernel does; a lab program's event does not).
    Shutdown(Option<How>),
    Close,
    Other(String),
}

/// Which direction(s) `shutdown()` closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum How {
    /// `SHUT_RD`
    Read,
    /// `SHUT_WR`: send a FIN, keep receiving (a half-close).
    Write,
    /// `SHUT_RDWR`
    Both,
    /// Anything else the program passed (the call then fails with EINVAL).
    Other(u64),
}

impl How {
    /// From the call's argument.
    pub fn from_arg(how: u64) -> How {
        match how {
            0 => How::Read,
            1 => How::Write,
            2 => How::Both,
            n => How::Other(n),
        }
    }

    /// `SHUT_WR` and so on.
    pub fn as_str(self) -> &'static str {
        match self {
            How::Read => "SHUT_RD",
            How::Write => "SHUT_WR",
            How::Both => "SHUT_RDWR",
            How::Other(_) => "?",
        }
    }
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
            "shutdown" => SocketCall::Shutdown(None),
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
            SocketCall::Shutdown(_) => "shutdown",
            SocketCall::Close => "close",
            SocketCall::Other(name) => name,
        }
    }

    /// The same call whatever the source knew of its arguments
    /// (`shutdown` from an event is the kernel's `shutdown(SHUT_WR)`).
    pub fn same_call(&self, other: &SocketCall) -> bool {
        self.name() == other.name()
    }

    /// A call whose entry makes the socket put something on the wire.
    pub fn sends(&self) -> bool {
        matches!(
            self,
            SocketCall::Connect
                | SocketCall::Send
                | SocketCall::Sendto
                | SocketCall::Shutdown(_)
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

    /// A call that moves bytes (its `bytes` are what it sent or received).
    pub fn moves_bytes(&self) -> bool {
        matches!(
            self,
            SocketCall::Send | SocketCall::Recv | SocketCall::Sendto | SocketCall::Recvfrom
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

/// Where a call was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// A lab program's own event (with its narration).
    Events,
    /// The kernel's view (tracefs): any program.
    Kernel,
}

impl Source {
    /// `"events"` or `"kernel"`, as the JSON `source` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Events => "events",
            Source::Kernel => "kernel",
        }
    }
}

/// The bytes of one `send()` went out in more than one segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spread {
    pub segments: u32,
    pub bytes: u64,
}

/// A socket call, attributed to a connection when its addresses match one.
#[derive(Clone, Debug)]
pub struct Call {
    /// Who made it and on which socket: the event as the program reported
    /// it (display only: untrusted), or the kernel's call in the same shape
    /// (its `result` left empty: the kernel's record below says it).
    pub ev: CallEvent,
    /// Which call it is.
    pub call: SocketCall,
    pub source: Source,
    /// The kernel's own record of the call: the call itself for
    /// [`Source::Kernel`]; for a lab program's event, the kernel's record
    /// that confirmed it.
    pub kernel: Option<Box<kernel::Call>>,
    /// A send whose bytes went out in several segments.
    pub spread: Option<Spread>,
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
            source: Source::Events,
            kernel: None,
            spread: None,
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

    /// Whether the return of a receiving call brought data (`Some(false)`:
    /// 0 bytes or an error; `None`: not known, or not such a call).
    pub fn got_data(&self) -> Option<bool> {
        use crate::events::Outcome;
        if let (Source::Kernel, Some(k)) = (self.source, self.kernel.as_deref()) {
            return Some(k.errno.is_none() && k.result.is_some_and(|n| n > 0));
        }
        match &self.ev.returned.as_ref()?.what {
            Outcome::Bytes { n }
            | Outcome::BytesFrom { n, .. }
            | Outcome::BytesThenError { n, .. }
            | Outcome::BytesLastCall { n, .. } => Some(*n > 0),
            Outcome::End(_) => Some(false),
            _ => None,
        }
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
    /// The kernel's view, when it was on.
    pub tracing: Option<TraceTotals>,
    /// The link's events, when they came.
    pub link: Option<LinkTotals>,
}

/// What the kernel's view did and lost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceTotals {
    /// Socket calls shown from the kernel.
    pub calls: u64,
    /// Lab programs' calls the kernel confirmed (shown once, from the event).
    pub confirmed: u64,
    /// TCP state changes of the connections shown.
    pub states: u64,
    /// Events the kernel lost (its buffers' overrun and dropped counts).
    pub lost: u64,
    /// Facts dropped because a queue was full (the tracer's or ours).
    pub dropped: u64,
}

/// What came from the link.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkTotals {
    pub events: u64,
    /// Datagrams that were not a valid link event.
    pub rejected: u64,
    /// Frames the link dropped on this capture's connections.
    pub dropped: u64,
}

/// The end of a capture: every connection's summary and the counters.
#[derive(Clone, Debug, Default)]
pub struct End {
    pub connections: Vec<ConnSummary>,
    /// Connections not listed because the table is capped.
    pub more_connections: u64,
    pub totals: Totals,
}
