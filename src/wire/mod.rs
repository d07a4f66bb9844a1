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
pub mod detail;
mod icmp;
mod ip;
mod link;
mod tcp;
#[cfg(test)]
mod testdata;
mod udp;

pub use icmp::{IcmpError, Quoted};
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
    /// tcpdump's name for the link type, as in `link-type EN10MB`.
    pub fn name(self) -> String {
        match self {
            LinkType::Ethernet => "EN10MB".into(),
            LinkType::Null => "NULL".into(),
            LinkType::Loop => "LOOP".into(),
            LinkType::Raw => "RAW".into(),
            LinkType::Ipv4 => "IPV4".into(),
            LinkType::Ipv6 => "IPV6".into(),
            LinkType::LinuxSll => "LINUX_SLL".into(),
            LinkType::LinuxSll2 => "LINUX_SLL2".into(),
            LinkType::Unknown(n) => format!("DLT {n}"),
        }
    }

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
    Malformed {
        layer: &'static str,
        what: Malformation,
    },
}

/// Which header field of a malformed frame holds an impossible value, and
/// the value: typed, so that each language says it (`i18n::facts`); the
/// English `Display` is the one of the JSON `error` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformation {
    /// The IP version nibble is not the one expected (`expected` `None`:
    /// neither 4 nor 6 on a raw IP link).
    Version { version: u8, expected: Option<u8> },
    /// IPv4's header length (IHL) below 5 words.
    HeaderLength { words: usize },
    /// TCP's data offset below 5 words.
    DataOffset { words: usize },
    /// IPv4's total length below its own header's.
    TotalLength { total: usize, header: usize },
    /// A header longer than what the IP length leaves for it.
    LongerThanIp { need: usize, stated: usize },
    /// UDP's length below its 8-byte header.
    UdpLength { len: usize, header: usize },
}

impl fmt::Display for Malformation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Malformation::Version {
                version,
                expected: Some(_),
            } => write!(f, "version {version}"),
            Malformation::Version {
                version,
                expected: None,
            } => write!(f, "version {version} (expected 4 or 6)"),
            Malformation::HeaderLength { words } => {
                write!(f, "header length {words} words (minimum 5)")
            }
            Malformation::DataOffset { words } => {
                write!(f, "data offset {words} words (minimum 5)")
            }
            Malformation::TotalLength { total, header } => {
                write!(
                    f,
                    "total length {total} is less than header length {header}"
                )
            }
            Malformation::LongerThanIp { need, stated } => {
                write!(
                    f,
                    "needs {need} bytes but the IP length leaves only {stated}"
                )
            }
            Malformation::UdpLength { len, header } => {
                write!(f, "length {len} is less than the {header}-byte header")
            }
        }
    }
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

/// The facts of an ICMP error quoting a TCP or UDP packet (`None` for any
/// other frame): which conversation it is about. [`decode`] describes the
/// same frame in words, as `Packet::Other`.
pub fn icmp_error(link: LinkType, data: &[u8]) -> Option<IcmpError> {
    let parsed = match link::strip(link, data).ok()? {
        link::Network::Ipv4(bytes) => ip::parse_v4(bytes).ok()?,
        link::Network::Ipv6(bytes) => ip::parse_v6(bytes).ok()?,
        link::Network::Other(_) => return None,
    };
    let ip::Parsed::Packet(packet) = parsed else {
        return None;
    };
    match packet.proto {
        ip::PROTO_ICMP if packet.src.is_ipv4() => icmp::error(&packet),
        ip::PROTO_ICMPV6 if packet.src.is_ipv6() => icmp::error(&packet),
        _ => None,
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
            what: Malformation::LongerThanIp { need, stated },
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

#[cfg(test)]
mod tests {
    use super::testdata::{IPV4_ICMP_PORT_UNREACHABLE, IPV6_EXT_TCP_SYN};
    use super::*;

    const TS_OPTIONS: [u8; 12] = [1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6]; // NOP NOP TS 5 6

    /// TCP and UDP over both IP versions, each with a 100-byte payload.
    fn tcp_and_udp_packets() -> Vec<Vec<u8>> {
        let payload = [b'x'; 100];
        let flags = TcpFlags::PSH | TcpFlags::ACK;
        vec![
            build::tcp_v4(
                "127.0.0.1:53312".parse().unwrap(),
                "127.0.0.1:5000".parse().unwrap(),
                1,
                1,
                flags,
                512,
                &TS_OPTIONS,
                &payload,
            ),
            build::tcp_v6(
                "[::1]:53312".parse().unwrap(),
                "[::1]:5000".parse().unwrap(),
                1,
                1,
                flags,
                512,
                &TS_OPTIONS,
                &payload,
            ),
            build::udp_v4(
                "127.0.0.1:40000".parse().unwrap(),
                "127.0.0.1:5001".parse().unwrap(),
                &payload,
            ),
            build::udp_v6(
                "[::1]:40000".parse().unwrap(),
                "[::1]:5001".parse().unwrap(),
                &payload,
            ),
        ]
    }

    /// The IP packets a link type can carry (LINKTYPE_IPV4 only IPv4...).
    fn carries(link: LinkType, ip: &[u8]) -> bool {
        match link {
            LinkType::Ipv4 => ip[0] >> 4 == 4,
            LinkType::Ipv6 => ip[0] >> 4 == 6,
            _ => true,
        }
    }

    fn link_layer_name(link: LinkType) -> &'static str {
        match link {
            LinkType::Ethernet => "Ethernet",
            LinkType::Null => "BSD loopback",
            LinkType::Loop => "OpenBSD loopback",
            LinkType::LinuxSll => "Linux SLL",
            LinkType::LinuxSll2 => "Linux SLL2",
            _ => "none",
        }
    }

    /// Cut a frame after every byte: a cut header is `Truncated` naming the
    /// layer and sizes; a cut payload is a segment with `payload_truncated`.
    #[test]
    fn truncated_at_every_layer() {
        for link in LinkType::KNOWN {
            for ip in tcp_and_udp_packets().iter().filter(|ip| carries(link, ip)) {
                let frame = build::frame(link, ip);
                let link_len = frame.len() - ip.len();
                let is_v6 = ip[0] >> 4 == 6;
                let (ip_layer, ip_len) = if is_v6 { ("IPv6", 40) } else { ("IPv4", 20) };
                let is_tcp = ip[if is_v6 { 6 } else { 9 }] == 6;
                let (l4_layer, l4_min, l4_len) = if is_tcp {
                    ("TCP", 20, 20 + TS_OPTIONS.len())
                } else {
                    ("UDP", 8, 8)
                };
                let payload_len = ip.len() - ip_len - l4_len;
                for cut in 0..=frame.len() {
                    let got = decode(link, &frame[..cut]);
                    let truncated =
                        |layer, need, have| Err(DecodeError::Truncated { layer, need, have });
                    let ip_have = cut.saturating_sub(link_len);
                    let l4_have = ip_have.saturating_sub(ip_len);
                    let expected = if cut < link_len {
                        truncated(link_layer_name(link), link_len, cut)
                    } else if link == LinkType::Raw && cut == 0 {
                        truncated("IP", 1, 0)
                    } else if ip_have < ip_len {
                        truncated(ip_layer, ip_len, ip_have)
                    } else if l4_have < l4_min {
                        truncated(l4_layer, l4_min, l4_have)
                    } else if l4_have < l4_len {
                        truncated(l4_layer, l4_len, l4_have)
                    } else {
                        let captured = l4_have - l4_len;
                        let (len, preview, cut_short) = match &got {
                            Ok(Packet::Tcp(s)) => (s.payload_len, &s.preview, s.payload_truncated),
                            Ok(Packet::Udp(d)) => (d.payload_len, &d.preview, d.payload_truncated),
                            other => panic!("{link:?} cut at {cut}: {other:?}"),
                        };
                        assert_eq!(len as usize, payload_len, "{link:?} cut at {cut}");
                        assert_eq!(preview.len(), captured.min(PREVIEW_BYTES));
                        assert_eq!(cut_short, captured < payload_len, "{link:?} cut at {cut}");
                        continue;
                    };
                    assert_eq!(got, expected, "{link:?} {ip_layer}/{l4_layer} cut at {cut}");
                }
            }
        }
    }

    #[test]
    fn packet_display_delegates() {
        let udp = build::udp_v4(
            "127.0.0.1:40000".parse().unwrap(),
            "127.0.0.1:5001".parse().unwrap(),
            b"hello\n",
        );
        assert_eq!(
            decode(LinkType::Ipv4, &udp).unwrap().to_string(),
            "127.0.0.1.40000 > 127.0.0.1.5001: UDP, length 6"
        );
        assert_eq!(Packet::Other("ARP".to_string()).to_string(), "ARP");
        assert_eq!(
            Endpoint("[::1]:5000".parse().unwrap()).to_string(),
            "::1.5000"
        );
    }

    #[test]
    fn decode_error_messages() {
        let truncated = DecodeError::Truncated {
            layer: "TCP",
            need: 40,
            have: 30,
        };
        assert_eq!(
            truncated.to_string(),
            "truncated TCP: need 40 bytes, have 30"
        );
    }

    /// xorshift64: a tiny deterministic generator for the property test.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn byte(&mut self) -> u8 {
            self.next() as u8
        }
    }

    /// Check what a decoded packet promises, and that it prints.
    fn check_invariants(link: LinkType, bytes: &[u8], result: &Result<Packet, DecodeError>) {
        let (payload_len, preview, payload_truncated) = match result {
            Ok(Packet::Tcp(s)) => (s.payload_len, &s.preview, s.payload_truncated),
            Ok(Packet::Udp(d)) => (d.payload_len, &d.preview, d.payload_truncated),
            _ => return,
        };
        assert!(preview.len() <= PREVIEW_BYTES, "{link:?} {bytes:02x?}");
        assert!(
            preview.len() <= payload_len as usize,
            "{link:?} {bytes:02x?}"
        );
        if !payload_truncated {
            assert_eq!(
                preview.len(),
                (payload_len as usize).min(PREVIEW_BYTES),
                "{link:?} {bytes:02x?}"
            );
        }
    }

    /// Random bytes, and random mutations and cuts of valid frames, for
    /// every link type: decode never panics and keeps its promises.
    #[test]
    fn decode_never_panics() {
        const RANDOM_FRAMES: usize = 100_000;
        const MUTATED_FRAMES: usize = 300_000;
        const INTERESTING: [u8; 10] = [0x00, 0x01, 0x02, 0x05, 0x06, 0x11, 0x2c, 0x45, 0x60, 0xff];
        let mut rng = XorShift(0x5eed_50c1_ab00_0001);
        let links: Vec<LinkType> = LinkType::KNOWN
            .into_iter()
            .chain([LinkType::Unknown(147)])
            .collect();

        let mut ips = tcp_and_udp_packets();
        ips.push(IPV6_EXT_TCP_SYN.to_vec());
        ips.push(IPV4_ICMP_PORT_UNREACHABLE.to_vec());
        let udp6 = build::udp_v6(
            "[::1]:40000".parse().unwrap(),
            "[::1]:5001".parse().unwrap(),
            b"hi",
        );
        ips.push(build::port_unreachable(&udp6));
        let mut seeds: Vec<(LinkType, Vec<u8>)> = Vec::new();
        for &link in &links {
            for ip in ips.iter().filter(|ip| carries(link, ip)) {
                seeds.push((link, build::frame(link, ip)));
            }
        }
        for ip in &ips {
            seeds.push((LinkType::Ethernet, build::ethernet_vlan(&[1, 2], ip)));
        }

        let mut buf = Vec::new();
        for i in 0..RANDOM_FRAMES {
            let link = links[rng.below(links.len())];
            buf.clear();
            let len = rng.below(if i % 4 == 0 { 256 } else { 80 });
            buf.extend((0..len).map(|_| rng.byte()));
            let result = decode(link, &buf);
            check_invariants(link, &buf, &result);
        }
        for i in 0..MUTATED_FRAMES {
            let (link, seed) = &seeds[rng.below(seeds.len())];
            buf.clear();
            buf.extend_from_slice(seed);
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(buf.len());
                buf[at] = if rng.below(2) == 0 {
                    rng.byte()
                } else {
                    INTERESTING[rng.below(INTERESTING.len())]
                };
            }
            if rng.below(4) == 0 {
                buf.truncate(rng.below(buf.len() + 1));
            }
            let result = decode(*link, &buf);
            check_invariants(*link, &buf, &result);
            if i % 16 == 0 {
                match &result {
                    Ok(packet) => drop(packet.to_string()),
                    Err(error) => drop(error.to_string()),
                }
            }
        }
    }
}
