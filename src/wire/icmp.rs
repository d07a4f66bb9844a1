//! ICMP and ICMPv6: a few words for the person reading the capture.
//!
//! The one that matters most in the course: a UDP datagram sent to a port
//! where nobody listens comes back as "port unreachable", carrying the
//! start of the datagram that caused it.

use super::ip::{self, IpPacket, Parsed};
use super::{be16, check_len, DecodeError};
use std::fmt::Write;
use std::net::{IpAddr, SocketAddr};

/// Type (1), code (1), checksum (2), then 4 bytes that depend on the type.
const HEADER_LEN: usize = 8;

/// Header fields.
mod field {
    use std::ops::Range;

    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    /// Echo request/reply identifier and sequence number.
    pub const ECHO_ID: Range<usize> = 4..6;
    pub const ECHO_SEQ: Range<usize> = 6..8;
    /// Error messages quote the offending packet right after the header.
    pub const QUOTED: usize = super::HEADER_LEN;
    /// Source and destination ports at the start of a quoted TCP/UDP header.
    pub const QUOTED_SRC_PORT: Range<usize> = 0..2;
    pub const QUOTED_DST_PORT: Range<usize> = 2..4;
    pub const QUOTED_PORTS_LEN: usize = QUOTED_DST_PORT.end;
}

/// ICMP (v4) types and codes.
mod v4 {
    pub const ECHO_REPLY: u8 = 0;
    pub const UNREACHABLE: u8 = 3;
    pub const REDIRECT: u8 = 5;
    pub const ECHO_REQUEST: u8 = 8;
    pub const TIME_EXCEEDED: u8 = 11;
    pub const PARAMETER_PROBLEM: u8 = 12;

    pub const NET_UNREACHABLE: u8 = 0;
    pub const HOST_UNREACHABLE: u8 = 1;
    pub const PROTOCOL_UNREACHABLE: u8 = 2;
    pub const PORT_UNREACHABLE: u8 = 3;
    pub const FRAGMENTATION_NEEDED: u8 = 4;
    pub const ADMIN_PROHIBITED: u8 = 13;
}

/// ICMPv6 types and codes.
mod v6 {
    pub const UNREACHABLE: u8 = 1;
    pub const PACKET_TOO_BIG: u8 = 2;
    pub const TIME_EXCEEDED: u8 = 3;
    pub const PARAMETER_PROBLEM: u8 = 4;
    pub const ECHO_REQUEST: u8 = 128;
    pub const ECHO_REPLY: u8 = 129;
    pub const ROUTER_SOLICITATION: u8 = 133;
    pub const ROUTER_ADVERTISEMENT: u8 = 134;
    pub const NEIGHBOR_SOLICITATION: u8 = 135;
    pub const NEIGHBOR_ADVERTISEMENT: u8 = 136;
    pub const REDIRECT: u8 = 137;
    pub const MLD_V2_REPORT: u8 = 143;

    pub const NO_ROUTE: u8 = 0;
    pub const ADMIN_PROHIBITED: u8 = 1;
    pub const ADDRESS_UNREACHABLE: u8 = 3;
    pub const PORT_UNREACHABLE: u8 = 4;
}

/// What a message says, and whether it quotes the packet that caused it.
struct Kind {
    what: String,
    /// Printed after the addresses (`, id 42, seq 1`).
    detail: String,
    quotes_packet: bool,
}

impl Kind {
    fn info(what: impl Into<String>) -> Kind {
        Kind {
            what: what.into(),
            detail: String::new(),
            quotes_packet: false,
        }
    }

    fn error(what: impl Into<String>) -> Kind {
        Kind {
            what: what.into(),
            detail: String::new(),
            quotes_packet: true,
        }
    }
}

/// Describe an ICMP message: `ICMP port unreachable 127.0.0.1 > 127.0.0.1
/// for UDP 127.0.0.1:40000 > 127.0.0.1:5001`.
pub(crate) fn describe_v4(ip: &IpPacket<'_>) -> Result<String, DecodeError> {
    describe("ICMP", ip, kind_v4)
}

/// Describe an ICMPv6 message: `ICMPv6 port unreachable ::1 > ::1 for UDP ...`.
pub(crate) fn describe_v6(ip: &IpPacket<'_>) -> Result<String, DecodeError> {
    describe("ICMPv6", ip, kind_v6)
}

fn describe(
    layer: &'static str,
    ip: &IpPacket<'_>,
    kind_of: fn(&[u8]) -> Kind,
) -> Result<String, DecodeError> {
    let data = ip.payload;
    check_len(layer, HEADER_LEN, ip.payload_len, data.len())?;
    let kind = kind_of(data);
    let mut text = format!(
        "{layer} {} {} > {}{}",
        kind.what, ip.src, ip.dst, kind.detail
    );
    if kind.quotes_packet {
        if let Some(quoted) = quoted_packet(&data[field::QUOTED..]) {
            let _ = write!(text, " for {quoted}");
        }
    }
    Ok(text)
}

fn echo(what: &str, data: &[u8]) -> Kind {
    let id = be16(&data[field::ECHO_ID]);
    let seq = be16(&data[field::ECHO_SEQ]);
    Kind {
        detail: format!(", id {id}, seq {seq}"),
        ..Kind::info(what)
    }
}

/// `data` holds at least [`HEADER_LEN`] bytes.
fn kind_v4(data: &[u8]) -> Kind {
    let (icmp_type, code) = (data[field::TYPE], data[field::CODE]);
    match icmp_type {
        v4::ECHO_REQUEST => echo("echo request", data),
        v4::ECHO_REPLY => echo("echo reply", data),
        v4::UNREACHABLE => Kind::error(match code {
            v4::NET_UNREACHABLE => "net unreachable".to_string(),
            v4::HOST_UNREACHABLE => "host unreachable".to_string(),
            v4::PROTOCOL_UNREACHABLE => "protocol unreachable".to_string(),
            v4::PORT_UNREACHABLE => "port unreachable".to_string(),
            v4::FRAGMENTATION_NEEDED => "fragmentation needed".to_string(),
            v4::ADMIN_PROHIBITED => "administratively prohibited".to_string(),
            other => format!("unreachable code {other}"),
        }),
        v4::REDIRECT => Kind::error("redirect"),
        v4::TIME_EXCEEDED => Kind::error("time exceeded"),
        v4::PARAMETER_PROBLEM => Kind::error("parameter problem"),
        other => Kind::info(format!("type {other} code {code}")),
    }
}

/// `data` holds at least [`HEADER_LEN`] bytes.
fn kind_v6(data: &[u8]) -> Kind {
    let (icmp_type, code) = (data[field::TYPE], data[field::CODE]);
    match icmp_type {
        v6::ECHO_REQUEST => echo("echo request", data),
        v6::ECHO_REPLY => echo("echo reply", data),
        v6::UNREACHABLE => Kind::error(match code {
            v6::NO_ROUTE => "no route to destination".to_string(),
            v6::ADMIN_PROHIBITED => "administratively prohibited".to_string(),
            v6::ADDRESS_UNREACHABLE => "address unreachable".to_string(),
            v6::PORT_UNREACHABLE => "port unreachable".to_string(),
            other => format!("unreachable code {other}"),
        }),
        v6::PACKET_TOO_BIG => Kind::error("packet too big"),
        v6::TIME_EXCEEDED => Kind::error("time exceeded"),
        v6::PARAMETER_PROBLEM => Kind::error("parameter problem"),
        v6::ROUTER_SOLICITATION => Kind::info("router solicitation"),
        v6::ROUTER_ADVERTISEMENT => Kind::info("router advertisement"),
        v6::NEIGHBOR_SOLICITATION => Kind::info("neighbor solicitation"),
        v6::NEIGHBOR_ADVERTISEMENT => Kind::info("neighbor advertisement"),
        v6::REDIRECT => Kind::info("redirect"),
        v6::MLD_V2_REPORT => Kind::info("multicast listener report v2"),
        other => Kind::info(format!("type {other} code {code}")),
    }
}

/// `UDP 127.0.0.1:40000 > 127.0.0.1:5001` for the packet an error quotes,
/// or `None` when too little of it is there.
fn quoted_packet(data: &[u8]) -> Option<String> {
    let parsed = match ip::version(data)? {
        4 => ip::parse_v4(data).ok()?,
        6 => ip::parse_v6(data).ok()?,
        _ => return None,
    };
    let Parsed::Packet(inner) = parsed else {
        return None;
    };
    if !matches!(inner.proto, ip::PROTO_TCP | ip::PROTO_UDP) {
        return Some(format!(
            "ip proto {} {} > {}",
            inner.proto, inner.src, inner.dst
        ));
    }
    let (quoted, src, dst) = quoted_ends(&inner)?;
    let name = match quoted {
        Quoted::Tcp => "TCP",
        Quoted::Udp => "UDP",
    };
    Some(format!("{name} {src} > {dst}"))
}

/// The protocol and ports of a quoted TCP or UDP packet (`None` for other
/// protocols, or when its ports were not quoted).
fn quoted_ends(inner: &IpPacket<'_>) -> Option<(Quoted, SocketAddr, SocketAddr)> {
    let quoted = match inner.proto {
        ip::PROTO_TCP => Quoted::Tcp,
        ip::PROTO_UDP => Quoted::Udp,
        _ => return None,
    };
    let ports = inner.payload.get(..field::QUOTED_PORTS_LEN)?;
    let src = SocketAddr::new(inner.src, be16(&ports[field::QUOTED_SRC_PORT]));
    let dst = SocketAddr::new(inner.dst, be16(&ports[field::QUOTED_DST_PORT]));
    Some((quoted, src, dst))
}

/// The transport of the packet an ICMP error quotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quoted {
    Tcp,
    Udp,
}

/// An ICMP or ICMPv6 error about a TCP or UDP packet, as facts: which
/// error, who sent it, and the packet it quotes. The ladder draws it on
/// that packet's conversation (a UDP datagram to a closed port comes back
/// as "port unreachable").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IcmpError {
    /// `port unreachable`, `host unreachable`, `time exceeded`...
    pub what: String,
    /// True for port unreachable (the UDP counterpart of TCP's RST).
    pub port_unreachable: bool,
    /// The host that sent the error, and the one it went to.
    pub from: IpAddr,
    pub to: IpAddr,
    /// The quoted packet: its transport and its source and destination.
    pub quoted: Quoted,
    pub src: SocketAddr,
    pub dst: SocketAddr,
}

/// The facts of an ICMP error that quotes a TCP or UDP packet; `None` for
/// any other ICMP message, or an error quoting too little.
pub(crate) fn error(ip: &IpPacket<'_>) -> Option<IcmpError> {
    let data = ip.payload.get(..HEADER_LEN)?;
    let (icmp_type, code) = (data[field::TYPE], data[field::CODE]);
    let (kind, port_unreachable) = if ip.src.is_ipv4() {
        (
            kind_v4(data),
            icmp_type == v4::UNREACHABLE && code == v4::PORT_UNREACHABLE,
        )
    } else {
        (
            kind_v6(data),
            icmp_type == v6::UNREACHABLE && code == v6::PORT_UNREACHABLE,
        )
    };
    if !kind.quotes_packet {
        return None;
    }
    let quote = &ip.payload[field::QUOTED..];
    let parsed = match ip::version(quote)? {
        4 => ip::parse_v4(quote).ok()?,
        6 => ip::parse_v6(quote).ok()?,
        _ => return None,
    };
    let Parsed::Packet(inner) = parsed else {
        return None;
    };
    let (quoted, src, dst) = quoted_ends(&inner)?;
    Some(IcmpError {
        what: kind.what,
        port_unreachable,
        from: ip.src,
        to: ip.dst,
        quoted,
        src,
        dst,
    })
}

#[cfg(test)]
mod tests {
    use super::Quoted;
    use crate::wire::testdata::{IPV4_ICMP_PORT_UNREACHABLE, IPV4_UDP};
    use crate::wire::{build, decode, icmp_error, DecodeError, LinkType, Packet};

    fn other(link: LinkType, bytes: &[u8]) -> String {
        match decode(link, bytes) {
            Ok(Packet::Other(what)) => what,
            other => panic!("expected Packet::Other, got {other:?}"),
        }
    }

    #[test]
    fn port_unreachable_names_the_refused_datagram() {
        assert_eq!(
            other(LinkType::Ipv4, &IPV4_ICMP_PORT_UNREACHABLE),
            "ICMP port unreachable 127.0.0.1 > 127.0.0.1 \
             for UDP 127.0.0.1:40000 > 127.0.0.1:5001"
        );
    }

    #[test]
    fn port_unreachable_v6() {
        let refused = build::udp_v6(
            "[::1]:40000".parse().unwrap(),
            "[::1]:5001".parse().unwrap(),
            b"hello",
        );
        assert_eq!(
            other(LinkType::Ipv6, &build::port_unreachable(&refused)),
            "ICMPv6 port unreachable ::1 > ::1 for UDP [::1]:40000 > [::1]:5001"
        );
    }

    #[test]
    fn port_unreachable_built_matches_hand_written() {
        assert_eq!(
            build::port_unreachable(&IPV4_UDP),
            IPV4_ICMP_PORT_UNREACHABLE
        );
    }

    #[test]
    fn port_unreachable_as_facts() {
        let err = icmp_error(LinkType::Ipv4, &IPV4_ICMP_PORT_UNREACHABLE).unwrap();
        assert_eq!(err.what, "port unreachable");
        assert!(err.port_unreachable);
        assert_eq!(err.quoted, Quoted::Udp);
        assert_eq!(err.src, "127.0.0.1:40000".parse().unwrap());
        assert_eq!(err.dst, "127.0.0.1:5001".parse().unwrap());
        let refused = build::udp_v6(
            "[::1]:40000".parse().unwrap(),
            "[::1]:5001".parse().unwrap(),
            b"hello",
        );
        let v6 = icmp_error(LinkType::Ipv6, &build::port_unreachable(&refused)).unwrap();
        assert!(v6.port_unreachable);
        assert_eq!(v6.dst, "[::1]:5001".parse().unwrap());
        // Not an error, not ICMP, or too little quoted: no facts.
        let lo = "127.0.0.1".parse().unwrap();
        let echo = build::icmp_v4(lo, lo, 8, 0, &[0, 1, 0, 1]);
        assert_eq!(icmp_error(LinkType::Ipv4, &echo), None);
        assert_eq!(icmp_error(LinkType::Ipv4, &IPV4_UDP), None);
        let short = &IPV4_ICMP_PORT_UNREACHABLE[..20 + 8 + 20 + 2];
        assert_eq!(icmp_error(LinkType::Ipv4, short), None);
    }

    #[test]
    fn quoted_packet_too_short_is_left_out() {
        // The quote stops inside the UDP ports.
        let short = &IPV4_ICMP_PORT_UNREACHABLE[..20 + 8 + 20 + 2];
        assert_eq!(
            other(LinkType::Ipv4, short),
            "ICMP port unreachable 127.0.0.1 > 127.0.0.1"
        );
    }

    #[test]
    fn echo_request_and_unknown_type() {
        let lo = "127.0.0.1".parse().unwrap();
        let echo = build::icmp_v4(
            lo,
            lo,
            8,
            0,
            &[0x00, 0x2a, 0x00, 0x01, b'p', b'i', b'n', b'g'],
        );
        assert_eq!(
            other(LinkType::Ipv4, &echo),
            "ICMP echo request 127.0.0.1 > 127.0.0.1, id 42, seq 1"
        );
        let odd = build::icmp_v4(lo, lo, 42, 7, &[0; 4]);
        assert_eq!(
            other(LinkType::Ipv4, &odd),
            "ICMP type 42 code 7 127.0.0.1 > 127.0.0.1"
        );
    }

    #[test]
    fn neighbor_solicitation_v6() {
        let lo = "::1".parse().unwrap();
        let ns = build::icmp_v6(lo, lo, 135, 0, &[0; 20]);
        assert_eq!(
            other(LinkType::Ipv6, &ns),
            "ICMPv6 neighbor solicitation ::1 > ::1"
        );
    }

    #[test]
    fn header_cut() {
        assert_eq!(
            decode(LinkType::Ipv4, &IPV4_ICMP_PORT_UNREACHABLE[..24]),
            Err(DecodeError::Truncated {
                layer: "ICMP",
                need: 8,
                have: 4
            })
        );
    }
}
