//! Decoding captured bytes: link layer, then IPv4/IPv6, then TCP/UDP.
//!
//! Everything here is pure: `&[u8] -> Result<Packet, DecodeError>`. It never
//! panics and never prints. Unknown values are kept (`ethertype 0x88cc`,
//! `ip proto 132`) rather than dropped.
//!
//! CONTRACT (shared with `track` and `render`): the public types below are
//! used by other modules; change them only together with their users.

use std::fmt;
use std::net::SocketAddr;

pub mod build;
mod icmp;
mod ip;
mod link;
mod tcp;
#[cfg(test)]
mod testdata;
mod udp;

pub use link::{AF_INET, AF_INET6_BSD, AF_INET6_DARWIN, AF_INET6_FREEBSD, AF_INET6_LINUX};

/// A TCP sequence or acknowledgement number (wraps at 2^32).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SeqNum(pub u32);

/// The TCP flag bits, in header order (FIN is bit 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;

    /// True when every bit of `mask` is set.
    pub fn has(self, mask: u8) -> bool {
        self.0 & mask == mask
    }
}

/// Options found in a TCP header (the interesting ones for the course).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TcpOptions {
    /// Maximum segment size the sender can receive.
    pub mss: Option<u16>,
    /// Window scale shift count.
    pub wscale: Option<u8>,
    /// SACK permitted.
    pub sack_permitted: bool,
    /// Timestamps option: (TSval, TSecr).
    pub timestamps: Option<(u32, u32)>,
}

/// One decoded TCP segment (owned summary of the headers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub seq: SeqNum,
    pub ack: SeqNum,
    pub flags: TcpFlags,
    /// Raw window field (not scaled).
    pub window: u16,
    pub options: TcpOptions,
    /// Payload length as the IP header states it (even if the capture cut it).
    pub payload_len: u32,
    /// The first captured payload bytes (at most [`PREVIEW_BYTES`]).
    pub preview: Vec<u8>,
    /// True when the capture holds fewer payload bytes than `payload_len`.
    pub payload_truncated: bool,
}

/// One decoded UDP datagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    /// Payload length from the UDP header.
    pub payload_len: u32,
    /// The first captured payload bytes (at most [`PREVIEW_BYTES`]).
    pub preview: Vec<u8>,
    pub payload_truncated: bool,
}

/// How many payload bytes a [`Segment`] or [`Datagram`] keeps for display.
pub const PREVIEW_BYTES: usize = 64;

/// What a captured frame turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packet {
    Tcp(Segment),
    Udp(Datagram),
    /// Anything else, described in a few words: `ARP`, `ICMP echo request
    /// 127.0.0.1 > 127.0.0.1`, `ip proto 132`, `ethertype 0x88cc`.
    Other(String),
}

/// The link-layer header type of a capture (pcap's DLT / LINKTYPE values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkType {
    /// DLT_EN10MB (1): Linux `lo` and real Ethernet.
    Ethernet,
    /// DLT_NULL (0): BSD loopback, host-order 4-byte address family (macOS `lo0`).
    Null,
    /// DLT_LOOP (108): OpenBSD loopback, network-order address family.
    Loop,
    /// DLT_RAW (12/14/101): a bare IPv4 or IPv6 packet.
    Raw,
    /// LINKTYPE_IPV4 (228).
    Ipv4,
    /// LINKTYPE_IPV6 (229).
    Ipv6,
    /// DLT_LINUX_SLL (113): Linux cooked capture v1 (`-i any`).
    LinuxSll,
    /// DLT_LINUX_SLL2 (276): Linux cooked capture v2 (`-i any`).
    LinuxSll2,
    /// Any other value: every frame decodes to `Packet::Other`.
    Unknown(i32),
}

impl LinkType {
    /// Map a pcap link-type number to the enum.
    pub fn from_dlt(dlt: i32) -> LinkType {
        match dlt {
            0 => LinkType::Null,
            1 => LinkType::Ethernet,
            12 | 14 | 101 => LinkType::Raw,
            108 => LinkType::Loop,
            113 => LinkType::LinuxSll,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            276 => LinkType::LinuxSll2,
            other => LinkType::Unknown(other),
        }
    }

    /// The LINKTYPE number to write in a pcap file header (`Raw` is 101).
    pub fn to_dlt(self) -> i32 {
        match self {
            LinkType::Null => 0,
            LinkType::Ethernet => 1,
            LinkType::Raw => 101,
            LinkType::Loop => 108,
            LinkType::LinuxSll => 113,
            LinkType::Ipv4 => 228,
            LinkType::Ipv6 => 229,
            LinkType::LinuxSll2 => 276,
            LinkType::Unknown(other) => other,
        }
    }

    /// Every link type the decoder understands (for tests and `--help`).
    pub const KNOWN: [LinkType; 8] = [
        LinkType::Ethernet,
        LinkType::Null,
        LinkType::Loop,
        LinkType::Raw,
        LinkType::Ipv4,
        LinkType::Ipv6,
        LinkType::LinuxSll,
        LinkType::LinuxSll2,
    ];
}

/// Why a frame could not be decoded. The capture labels it and goes on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The frame ends before a header does (small snaplen or a cut packet).
    #[error("truncated {layer}: need {need} bytes, have {have}")]
    Truncated {
        layer: &'static str,
        need: usize,
        have: usize,
    },
    /// A header field holds an impossible value.
    #[error("malformed {layer}: {what}")]
    Malformed { layer: &'static str, what: String },
}

impl fmt::Display for SeqNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Decode one captured frame: link layer, then IPv4/IPv6, then TCP/UDP.
///
/// Pure and panic-free whatever the bytes. A frame that is fine but not
/// TCP or UDP (ARP, ICMP, a fragment, another protocol) is `Packet::Other`;
/// a frame cut short by the snaplen is `DecodeError::Truncated` when a
/// header is cut, and a `Segment`/`Datagram` with `payload_truncated` when
/// only payload is missing.
pub fn decode(link: LinkType, data: &[u8]) -> Result<Packet, DecodeError> {
    let parsed = match link::strip(link, data)? {
        link::Network::Ipv4(bytes) => ip::parse_v4(bytes)?,
        link::Network::Ipv6(bytes) => ip::parse_v6(bytes)?,
        link::Network::Other(what) => return Ok(Packet::Other(what)),
    };
    let packet = match parsed {
        ip::Parsed::Packet(packet) => packet,
        ip::Parsed::Other(what) => return Ok(Packet::Other(what)),
    };
    match packet.proto {
        ip::PROTO_TCP => tcp::parse(&packet).map(Packet::Tcp),
        ip::PROTO_UDP => udp::parse(&packet).map(Packet::Udp),
        ip::PROTO_ICMP if packet.src.is_ipv4() => icmp::describe_v4(&packet).map(Packet::Other),
        ip::PROTO_ICMPV6 if packet.src.is_ipv6() => icmp::describe_v6(&packet).map(Packet::Other),
        other => Ok(Packet::Other(format!("ip proto {other}"))),
    }
}

/// A socket address the way tcpdump prints it: `127.0.0.1.5000`, `::1.5000`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint(pub SocketAddr);

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0.ip(), self.0.port())
    }
}

impl fmt::Display for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Packet::Tcp(segment) => segment.fmt(f),
            Packet::Udp(datagram) => datagram.fmt(f),
            Packet::Other(what) => f.write_str(what),
        }
    }
}

/// Check that a header of `need` bytes fits both in what the enclosing
/// header says (`stated`, else `Malformed`) and in what was captured
/// (`have`, else `Truncated`).
fn check_len(
    layer: &'static str,
    need: usize,
    stated: usize,
    have: usize,
) -> Result<(), DecodeError> {
    if stated < need {
        return Err(DecodeError::Malformed {
            layer,
            what: format!("needs {need} bytes but the enclosing header allows only {stated}"),
        });
    }
    if have < need {
        return Err(DecodeError::Truncated { layer, need, have });
    }
    Ok(())
}

/// The first [`PREVIEW_BYTES`] of a captured payload (no allocation when empty).
fn preview(payload: &[u8]) -> Vec<u8> {
    payload[..payload.len().min(PREVIEW_BYTES)].to_vec()
}

/// A big-endian u16 from a 2-byte slice the caller has length-checked.
fn be16(bytes: &[u8]) -> u16 {
    u16::from_be_bytes([bytes[0], bytes[1]])
}

/// A big-endian u32 from a 4-byte slice the caller has length-checked.
fn be32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}
