//! Every header field of a captured packet, for `capture -v`, the `headers`
//! object of `--json -v` and the browser view.
//!
//! [`decode`] reads the same bytes as [`super::decode`] and relies on it for
//! validation (lengths, extension headers): it only runs on frames that
//! decoded to a segment, a datagram or an ICMP message, so every offset read
//! here is inside a header that the first pass has already checked. On top
//! of that it keeps each field as it is on the wire, walks every TCP option
//! (SACK blocks and unknown kinds included) and checks the checksums: the
//! IPv4 header checksum, and the TCP, UDP and ICMPv6 ones with their
//! pseudo-header.
//!
//! Checksums on loopback: Linux leaves the TCP and UDP checksum to the
//! network card ("checksum offload"), and the loopback device never fills it
//! in, so a captured segment carries only the sum of its pseudo-header. That
//! is not an error in the packet (the receiver trusts the loopback); tshark
//! calls such checksums "unverified". [`Checksum::Partial`] names that case
//! exactly instead of calling it wrong.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::ip::{self, Parsed};
use super::link::{self, Network};
use super::{be16, be32, tcp, udp, LinkType, TcpFlags};

/// Header layouts (offsets in bytes from the start of each header).
mod field {
    use std::ops::Range;

    pub const V4_TOS: usize = 1;
    pub const V4_TOTAL_LEN: Range<usize> = 2..4;
    pub const V4_ID: Range<usize> = 4..6;
    pub const V4_FLAGS_FRAG: Range<usize> = 6..8;
    pub const V4_TTL: usize = 8;
    pub const V4_PROTO: usize = 9;
    pub const V4_CHECKSUM: Range<usize> = 10..12;
    pub const V4_MIN_HEADER_LEN: usize = 20;
    pub const V4_IHL_MASK: u8 = 0x0f;
    pub const V4_IHL_UNIT: usize = 4;
    /// Flags are the top 3 bits of bytes 6..8, the offset the other 13.
    pub const V4_RESERVED_BIT: u16 = 0x8000;
    pub const V4_DF_BIT: u16 = 0x4000;
    pub const V4_MF_BIT: u16 = 0x2000;
    pub const V4_FRAG_MASK: u16 = 0x1fff;
    pub const V4_FRAG_UNIT: u32 = 8;

    /// IPv6: version (4 bits), traffic class (8), flow label (20).
    pub const V6_FIRST_WORD: Range<usize> = 0..4;
    pub const V6_TC_SHIFT: u32 = 20;
    pub const V6_FLOW_MASK: u32 = 0x000f_ffff;
    pub const V6_PAYLOAD_LEN: Range<usize> = 4..6;
    pub const V6_NEXT_HEADER: usize = 6;
    pub const V6_HOP_LIMIT: usize = 7;
    pub const V6_HEADER_LEN: usize = 40;
    /// Extension headers: next header, then a length in 8-byte units (not
    /// counting the first 8); the authentication header counts 4-byte
    /// words minus 2; the fragment header is always 8 bytes.
    pub const EXT_UNIT: usize = 8;
    pub const AUTH_UNIT: usize = 4;
    pub const AUTH_BIAS: usize = 2;

    /// The DSCP is the top 6 bits of the traffic class / TOS byte.
    pub const DSCP_SHIFT: u8 = 2;
    pub const ECN_MASK: u8 = 0x03;

    pub const TCP_SEQ: Range<usize> = 4..8;
    pub const TCP_ACK: Range<usize> = 8..12;
    /// Data offset (4 bits), reserved (3 bits), AE/NS (1 bit).
    pub const TCP_OFFSET: usize = 12;
    pub const TCP_FLAGS: usize = 13;
    pub const TCP_WINDOW: Range<usize> = 14..16;
    pub const TCP_CHECKSUM: Range<usize> = 16..18;
    pub const TCP_URGENT: Range<usize> = 18..20;
    pub const TCP_OFFSET_SHIFT: u8 = 4;
    pub const TCP_RESERVED_MASK: u8 = 0x0f;
    pub const TCP_MIN_HEADER_LEN: usize = 20;
    pub const TCP_OFFSET_UNIT: usize = 4;

    pub const PORTS_SRC: Range<usize> = 0..2;
    pub const PORTS_DST: Range<usize> = 2..4;
    pub const UDP_LENGTH: Range<usize> = 4..6;
    pub const UDP_CHECKSUM: Range<usize> = 6..8;

    pub const ICMP_TYPE: usize = 0;
    pub const ICMP_CODE: usize = 1;
    pub const ICMP_CHECKSUM: Range<usize> = 2..4;
    pub const ICMP_REST: Range<usize> = 4..8;
    pub const ICMP_HEADER_LEN: usize = 8;
}

/// SACK blocks are pairs of 32-bit edges.
const SACK_BLOCK_LEN: usize = 8;
/// A TCP header holds at most 40 bytes of options, so at most 4 SACK blocks.
const MAX_SACK_BLOCKS: usize = 4;

/// Every field of one packet's headers, as captured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headers {
    pub ip: Ip,
    pub transport: Transport,
    /// The captured bytes from the IP header on, at most the `keep` asked
    /// of [`decode`] (for hex dumps).
    pub bytes: Vec<u8>,
    /// How many bytes of the IP packet were captured (`bytes` may hold fewer).
    pub captured: usize,
    /// Where the transport header starts, counted from the IP header.
    pub transport_at: usize,
    /// Where the transport payload starts, counted from the IP header.
    pub payload_at: usize,
    /// Payload length as the headers state it (even if the capture cut it).
    pub payload_len: usize,
}

/// The network layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ip {
    V4(Ipv4),
    V6(Ipv6),
}

/// Every field of an IPv4 header (RFC 791).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv4 {
    /// Header length in bytes (IHL × 4).
    pub header_len: usize,
    /// Differentiated services code point (top 6 bits of the TOS byte).
    pub dscp: u8,
    /// Explicit congestion notification (low 2 bits of the TOS byte).
    pub ecn: u8,
    pub total_len: u16,
    pub id: u16,
    /// The reserved ("evil") bit: always 0.
    pub reserved: bool,
    /// Don't fragment.
    pub df: bool,
    /// More fragments follow.
    pub mf: bool,
    /// Fragment offset in bytes.
    pub frag_offset: u32,
    pub ttl: u8,
    pub proto: u8,
    pub checksum: u16,
    pub checksum_status: Checksum,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// Option bytes (header length over 20), undecoded.
    pub options: Vec<u8>,
}

/// Every field of an IPv6 header (RFC 8200) and its extension headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv6 {
    pub traffic_class: u8,
    pub flow_label: u32,
    pub payload_len: u16,
    /// The next header of the fixed header (an extension or the transport).
    pub next_header: u8,
    pub hop_limit: u8,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    /// Extension headers in order: (type, length in bytes).
    pub extensions: Vec<(u8, usize)>,
}

impl Ip {
    /// 4 or 6.
    pub fn version(&self) -> u8 {
        match self {
            Ip::V4(_) => 4,
            Ip::V6(_) => 6,
        }
    }

    /// The TTL (IPv4) or hop limit (IPv6).
    pub fn ttl(&self) -> u8 {
        match self {
            Ip::V4(h) => h.ttl,
            Ip::V6(h) => h.hop_limit,
        }
    }

    /// Source and destination addresses.
    pub fn addrs(&self) -> (IpAddr, IpAddr) {
        match self {
            Ip::V4(h) => (h.src.into(), h.dst.into()),
            Ip::V6(h) => (h.src.into(), h.dst.into()),
        }
    }
}

impl Ipv6 {
    /// Differentiated services code point (top 6 bits of the traffic class).
    pub fn dscp(&self) -> u8 {
        self.traffic_class >> field::DSCP_SHIFT
    }

    /// Explicit congestion notification (low 2 bits of the traffic class).
    pub fn ecn(&self) -> u8 {
        self.traffic_class & field::ECN_MASK
    }
}

/// The transport layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp(Tcp),
    Udp(Udp),
    Icmp(Icmp),
    /// A protocol not decoded here, or a later fragment (no header in it).
    Other {
        proto: u8,
    },
}

/// Every field of a TCP header (RFC 9293).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tcp {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    /// Header length in bytes (data offset × 4).
    pub header_len: usize,
    /// The 4 bits after the data offset: 3 reserved and AE (ex-NS, RFC 3540).
    pub reserved: u8,
    pub flags: TcpFlags,
    /// The raw window field (scale it with the handshake's window scale).
    pub window: u16,
    pub checksum: u16,
    pub checksum_status: Checksum,
    pub urgent: u16,
    /// Every option in order, padding (NOP, END) included.
    pub options: Vec<TcpOption>,
}

/// One TCP option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcpOption {
    /// End of the option list (kind 0).
    End,
    /// Padding (kind 1).
    Nop,
    /// Maximum segment size (kind 2).
    Mss(u16),
    /// Window scale shift (kind 3).
    WindowScale(u8),
    /// SACK permitted (kind 4).
    SackPermitted,
    /// SACK blocks: (left edge, right edge) pairs (kind 5).
    Sack(Vec<(u32, u32)>),
    /// Timestamps (kind 8).
    Timestamps { val: u32, ecr: u32 },
    /// A kind this decoder does not name, with its data.
    Unknown { kind: u8, data: Vec<u8> },
    /// An option whose length is impossible: the rest of the list is unread.
    Malformed { kind: u8, len: usize },
}

impl TcpOption {
    /// The option kind number.
    pub fn kind(&self) -> u8 {
        match self {
            TcpOption::End => tcp::option::END,
            TcpOption::Nop => tcp::option::NOP,
            TcpOption::Mss(_) => tcp::option::MSS,
            TcpOption::WindowScale(_) => tcp::option::WSCALE,
            TcpOption::SackPermitted => tcp::option::SACK_PERMITTED,
            TcpOption::Sack(_) => tcp::option::SACK,
            TcpOption::Timestamps { .. } => tcp::option::TIMESTAMPS,
            TcpOption::Unknown { kind, .. } | TcpOption::Malformed { kind, .. } => *kind,
        }
    }
}

/// Every field of a UDP header (RFC 768).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Udp {
    pub src_port: u16,
    pub dst_port: u16,
    /// Header plus payload, as the header says.
    pub length: u16,
    pub checksum: u16,
    pub checksum_status: Checksum,
}

/// The fixed part of an ICMP or ICMPv6 message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Icmp {
    pub v6: bool,
    pub icmp_type: u8,
    pub code: u8,
    pub checksum: u16,
    pub checksum_status: Checksum,
    /// Bytes 4..8: identifier and sequence (echo), unused (errors), MTU...
    pub rest: u32,
}

/// What a checksum check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checksum {
    /// The checksum is right.
    Good,
    /// The checksum is wrong: `expected` is what it should be.
    Bad { expected: u16 },
    /// Only the pseudo-header sum is there: the sender left the rest to
    /// checksum offload, which the loopback never completes. Not an error.
    Partial,
    /// UDP over IPv4 with checksum 0: the sender chose not to compute one.
    Absent,
    /// The capture cut the packet short: the checksum cannot be computed.
    Unverified,
}

impl Checksum {
    /// `"good"`, `"bad"`, `"partial"`, `"absent"`, `"unverified"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Checksum::Good => "good",
            Checksum::Bad { .. } => "bad",
            Checksum::Partial => "partial",
            Checksum::Absent => "absent",
            Checksum::Unverified => "unverified",
        }
    }
}

/// Decode every header field of a frame, keeping at most `keep` bytes of
/// it (from the IP header on) for a hex dump. `None` when the frame is not
/// an IP packet that [`super::decode`] accepts.
pub fn decode(link: LinkType, data: &[u8], keep: usize) -> Option<Headers> {
    let (packet, is_v6) = match link::strip(link, data).ok()? {
        Network::Ipv4(bytes) => (bytes, false),
        Network::Ipv6(bytes) => (bytes, true),
        Network::Other(_) => return None,
    };
    let parsed = if is_v6 {
        ip::parse_v6(packet).ok()?
    } else {
        ip::parse_v4(packet).ok()?
    };
    let (ip_header, stated_end) = if is_v6 {
        let h = ipv6(packet);
        let end = field::V6_HEADER_LEN + usize::from(h.payload_len);
        (Ip::V6(h), end)
    } else {
        let h = ipv4(packet);
        let end = usize::from(h.total_len);
        (Ip::V4(h), end)
    };
    // What the capture holds of this packet (Ethernet padding excluded).
    let captured = packet.len().min(stated_end);
    let keep_bytes = |n: usize| packet[..captured.min(n)].to_vec();
    let ip_packet = match parsed {
        Parsed::Packet(p) => p,
        Parsed::Other(_) => {
            let header_end = match &ip_header {
                Ip::V4(h) => h.header_len,
                Ip::V6(_) => field::V6_HEADER_LEN,
            };
            let proto = match &ip_header {
                Ip::V4(h) => h.proto,
                Ip::V6(h) => h.next_header,
            };
            return Some(Headers {
                ip: ip_header,
                transport: Transport::Other { proto },
                bytes: keep_bytes(keep),
                captured,
                transport_at: header_end,
                payload_at: header_end,
                payload_len: stated_end.saturating_sub(header_end),
            });
        }
    };
    // The transport bytes are a sub-slice of `packet`: their offset is the
    // distance between the two starts.
    let transport_at =
        (ip_packet.payload.as_ptr() as usize).saturating_sub(packet.as_ptr() as usize);
    let l4 = ip_packet.payload;
    let (src, dst) = (ip_packet.src, ip_packet.dst);
    let stated = ip_packet.payload_len;
    let complete = l4.len() >= stated;
    let (transport, header_len) = match ip_packet.proto {
        ip::PROTO_TCP => {
            // Validates lengths and the data offset.
            tcp::parse(&ip_packet).ok()?;
            let h = tcp_header(l4, src, dst, stated, complete);
            let len = h.header_len;
            (Transport::Tcp(h), len)
        }
        ip::PROTO_UDP => {
            udp::parse(&ip_packet).ok()?;
            (
                Transport::Udp(udp_header(l4, src, dst, stated, complete)),
                udp::HEADER_LEN,
            )
        }
        ip::PROTO_ICMP | ip::PROTO_ICMPV6
            if (ip_packet.proto == ip::PROTO_ICMPV6) == src.is_ipv6() =>
        {
            if l4.len() < field::ICMP_HEADER_LEN || stated < field::ICMP_HEADER_LEN {
                return None;
            }
            let v6 = ip_packet.proto == ip::PROTO_ICMPV6;
            (
                Transport::Icmp(icmp_header(l4, src, dst, v6, stated, complete)),
                field::ICMP_HEADER_LEN,
            )
        }
        proto => (Transport::Other { proto }, 0),
    };
    Some(Headers {
        ip: ip_header,
        transport,
        bytes: keep_bytes(keep),
        captured,
        transport_at,
        payload_at: transport_at + header_len,
        payload_len: stated.saturating_sub(header_len),
    })
}

/// The fields of an IPv4 header that [`ip::parse_v4`] accepted.
fn ipv4(p: &[u8]) -> Ipv4 {
    let header_len = usize::from(p[0] & field::V4_IHL_MASK) * field::V4_IHL_UNIT;
    let tos = p[field::V4_TOS];
    let flags_frag = be16(&p[field::V4_FLAGS_FRAG]);
    let header = &p[..header_len];
    let checksum_status = if ones_sum(0, header) == 0xffff {
        Checksum::Good
    } else {
        let sum = ones_sum(
            ones_sum(0, &header[..field::V4_CHECKSUM.start]),
            &header[field::V4_CHECKSUM.end..],
        );
        Checksum::Bad { expected: !sum }
    };
    Ipv4 {
        header_len,
        dscp: tos >> field::DSCP_SHIFT,
        ecn: tos & field::ECN_MASK,
        total_len: be16(&p[field::V4_TOTAL_LEN]),
        id: be16(&p[field::V4_ID]),
        reserved: flags_frag & field::V4_RESERVED_BIT != 0,
        df: flags_frag & field::V4_DF_BIT != 0,
        mf: flags_frag & field::V4_MF_BIT != 0,
        frag_offset: u32::from(flags_frag & field::V4_FRAG_MASK) * field::V4_FRAG_UNIT,
        ttl: p[field::V4_TTL],
        proto: p[field::V4_PROTO],
        checksum: be16(&p[field::V4_CHECKSUM]),
        checksum_status,
        src: Ipv4Addr::new(p[12], p[13], p[14], p[15]),
        dst: Ipv4Addr::new(p[16], p[17], p[18], p[19]),
        options: header[field::V4_MIN_HEADER_LEN..].to_vec(),
    }
}

/// The fields of an IPv6 header that [`ip::parse_v6`] accepted, and its
/// extension-header chain (already walked and bounded by the first pass).
fn ipv6(p: &[u8]) -> Ipv6 {
    let first = be32(&p[field::V6_FIRST_WORD]);
    let mut src = [0u8; 16];
    let mut dst = [0u8; 16];
    src.copy_from_slice(&p[8..24]);
    dst.copy_from_slice(&p[24..40]);
    let next_header = p[field::V6_NEXT_HEADER];
    let mut extensions = Vec::new();
    let mut next = next_header;
    let mut at = field::V6_HEADER_LEN;
    while matches!(
        next,
        ip::PROTO_HOP_BY_HOP
            | ip::PROTO_ROUTING
            | ip::PROTO_DEST_OPTS
            | ip::PROTO_AUTH
            | ip::PROTO_FRAGMENT
    ) {
        let (Some(&following), Some(&length)) = (p.get(at), p.get(at + 1)) else {
            break;
        };
        let length = usize::from(length);
        let len = match next {
            ip::PROTO_FRAGMENT => field::EXT_UNIT,
            ip::PROTO_AUTH => (length + field::AUTH_BIAS) * field::AUTH_UNIT,
            _ => (length + 1) * field::EXT_UNIT,
        };
        extensions.push((next, len));
        next = following;
        at += len;
    }
    Ipv6 {
        traffic_class: (first >> field::V6_TC_SHIFT) as u8,
        flow_label: first & field::V6_FLOW_MASK,
        payload_len: be16(&p[field::V6_PAYLOAD_LEN]),
        next_header,
        hop_limit: p[field::V6_HOP_LIMIT],
        src: src.into(),
        dst: dst.into(),
        extensions,
    }
}

/// The fields of a TCP header that [`tcp::parse`] accepted.
fn tcp_header(t: &[u8], src: IpAddr, dst: IpAddr, stated: usize, complete: bool) -> Tcp {
    let header_len =
        usize::from(t[field::TCP_OFFSET] >> field::TCP_OFFSET_SHIFT) * field::TCP_OFFSET_UNIT;
    let checksum = be16(&t[field::TCP_CHECKSUM]);
    let checksum_status = transport_checksum(
        &t[..stated.min(t.len())],
        src,
        dst,
        super::ip::PROTO_TCP,
        field::TCP_CHECKSUM.start,
        complete,
        false,
    );
    Tcp {
        src_port: be16(&t[field::PORTS_SRC]),
        dst_port: be16(&t[field::PORTS_DST]),
        seq: be32(&t[field::TCP_SEQ]),
        ack: be32(&t[field::TCP_ACK]),
        header_len,
        reserved: t[field::TCP_OFFSET] & field::TCP_RESERVED_MASK,
        flags: TcpFlags(t[field::TCP_FLAGS]),
        window: be16(&t[field::TCP_WINDOW]),
        checksum,
        checksum_status,
        urgent: be16(&t[field::TCP_URGENT]),
        options: tcp_options(&t[field::TCP_MIN_HEADER_LEN..header_len]),
    }
}

/// Every option of a TCP header, in order. An impossible length ends the
/// list with [`TcpOption::Malformed`]; nothing after it is read.
pub fn tcp_options(mut bytes: &[u8]) -> Vec<TcpOption> {
    use tcp::option;
    let mut out = Vec::new();
    while let Some(&kind) = bytes.first() {
        match kind {
            option::END => {
                out.push(TcpOption::End);
                break;
            }
            option::NOP => {
                out.push(TcpOption::Nop);
                bytes = &bytes[1..];
                continue;
            }
            _ => {}
        }
        let len = bytes.get(1).map_or(0, |&l| usize::from(l));
        let expected = match kind {
            option::MSS => Some(option::MSS_LEN),
            option::WSCALE => Some(option::WSCALE_LEN),
            option::SACK_PERMITTED => Some(option::SACK_PERMITTED_LEN),
            option::TIMESTAMPS => Some(option::TIMESTAMPS_LEN),
            _ => None,
        };
        let sack_ok = kind != option::SACK
            || (len > option::KIND_LEN_BYTES
                && (len - option::KIND_LEN_BYTES) % SACK_BLOCK_LEN == 0
                && (len - option::KIND_LEN_BYTES) / SACK_BLOCK_LEN <= MAX_SACK_BLOCKS);
        if len < option::KIND_LEN_BYTES
            || len > bytes.len()
            || expected.is_some_and(|e| e != len)
            || !sack_ok
        {
            out.push(TcpOption::Malformed { kind, len });
            break;
        }
        let body = &bytes[option::KIND_LEN_BYTES..len];
        out.push(match kind {
            option::MSS => TcpOption::Mss(be16(body)),
            option::WSCALE => TcpOption::WindowScale(body[0]),
            option::SACK_PERMITTED => TcpOption::SackPermitted,
            option::TIMESTAMPS => TcpOption::Timestamps {
                val: be32(&body[option::TS_VAL]),
                ecr: be32(&body[option::TS_ECR]),
            },
            option::SACK => TcpOption::Sack(
                body.chunks_exact(SACK_BLOCK_LEN)
                    .map(|b| (be32(&b[0..4]), be32(&b[4..8])))
                    .collect(),
            ),
            _ => TcpOption::Unknown {
                kind,
                data: body.to_vec(),
            },
        });
        bytes = &bytes[len..];
    }
    out
}

/// The fields of a UDP header that [`udp::parse`] accepted.
fn udp_header(u: &[u8], src: IpAddr, dst: IpAddr, stated: usize, complete: bool) -> Udp {
    let length = be16(&u[field::UDP_LENGTH]);
    let checksum = be16(&u[field::UDP_CHECKSUM]);
    // The UDP length, bounded by the IP length, is what the checksum covers.
    let covered = usize::from(length).min(stated);
    let checksum_status = if checksum == 0 && src.is_ipv4() {
        Checksum::Absent
    } else {
        transport_checksum(
            &u[..covered.min(u.len())],
            src,
            dst,
            ip::PROTO_UDP,
            field::UDP_CHECKSUM.start,
            complete && u.len() >= covered,
            true,
        )
    };
    Udp {
        src_port: be16(&u[field::PORTS_SRC]),
        dst_port: be16(&u[field::PORTS_DST]),
        length,
        checksum,
        checksum_status,
    }
}

/// The fixed part of an ICMP message of at least 8 bytes.
fn icmp_header(
    m: &[u8],
    src: IpAddr,
    dst: IpAddr,
    v6: bool,
    stated: usize,
    complete: bool,
) -> Icmp {
    let message = &m[..stated.min(m.len())];
    let checksum_status = if !complete {
        Checksum::Unverified
    } else if v6 {
        // ICMPv6 covers a pseudo-header like TCP and UDP do.
        transport_checksum(
            message,
            src,
            dst,
            ip::PROTO_ICMPV6,
            field::ICMP_CHECKSUM.start,
            true,
            false,
        )
    } else {
        plain_checksum(message, field::ICMP_CHECKSUM.start)
    };
    Icmp {
        v6,
        icmp_type: m[field::ICMP_TYPE],
        code: m[field::ICMP_CODE],
        checksum: be16(&m[field::ICMP_CHECKSUM]),
        checksum_status,
        rest: be32(&m[field::ICMP_REST]),
    }
}

/// Check a checksum that covers `data` alone (IPv4 ICMP).
fn plain_checksum(data: &[u8], at: usize) -> Checksum {
    if ones_sum(0, data) == 0xffff {
        return Checksum::Good;
    }
    let sum = ones_sum(ones_sum(0, &data[..at]), &data[at + 2..]);
    Checksum::Bad { expected: !sum }
}

/// Check a TCP, UDP or ICMPv6 checksum: the one's-complement sum of the
/// pseudo-header and `data` (the whole segment, checksum at byte `at`).
/// `zero_is_ffff`: UDP sends a computed 0 as 0xffff (0 means "none").
fn transport_checksum(
    data: &[u8],
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    at: usize,
    complete: bool,
    zero_is_ffff: bool,
) -> Checksum {
    if !complete {
        return Checksum::Unverified;
    }
    let pseudo = pseudo_sum(src, dst, proto, data.len());
    if ones_sum(pseudo, data) == 0xffff {
        return Checksum::Good;
    }
    let field = be16(&data[at..at + 2]);
    if field == pseudo {
        return Checksum::Partial;
    }
    let sum = ones_sum(ones_sum(pseudo, &data[..at]), &data[at + 2..]);
    let expected = match !sum {
        0 if zero_is_ffff => 0xffff,
        e => e,
    };
    Checksum::Bad { expected }
}

/// The folded one's-complement sum of a pseudo-header (RFC 9293 3.1 for
/// IPv4, RFC 8200 8.1 for IPv6): addresses, protocol and length.
fn pseudo_sum(src: IpAddr, dst: IpAddr, proto: u8, len: usize) -> u16 {
    let mut sum = 0u16;
    for addr in [src, dst] {
        sum = match addr {
            IpAddr::V4(a) => ones_sum(sum, &a.octets()),
            IpAddr::V6(a) => ones_sum(sum, &a.octets()),
        };
    }
    // A loopback packet is at most 64 KiB; the IPv6 pseudo-header carries
    // the length in 32 bits, whose high half is then 0.
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    let sum = ones_sum(sum, &len.to_be_bytes());
    ones_sum(sum, &[0, proto])
}

/// Add `data` (16-bit big-endian words, an odd byte padded with 0) to the
/// folded one's-complement sum `start`.
fn ones_sum(start: u16, data: &[u8]) -> u16 {
    let mut sum = u64::from(start);
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        sum += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        sum += u64::from(*last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::build;
    use crate::wire::testdata::{IPV4_TCP_SYN_ACK, IPV4_UDP, IPV6_EXT_TCP_SYN, IPV6_TCP_SYN};

    fn tcp_of(h: &Headers) -> &Tcp {
        match &h.transport {
            Transport::Tcp(t) => t,
            other => panic!("expected TCP, got {other:?}"),
        }
    }

    fn v4_of(h: &Headers) -> &Ipv4 {
        match &h.ip {
            Ip::V4(v4) => v4,
            other => panic!("expected IPv4, got {other:?}"),
        }
    }

    #[test]
    fn every_field_of_a_syn_ack() {
        let h = decode(LinkType::Ipv4, &IPV4_TCP_SYN_ACK, usize::MAX).unwrap();
        let ip = v4_of(&h);
        assert_eq!(ip.header_len, 20);
        assert_eq!((ip.dscp, ip.ecn), (0, 0));
        assert_eq!(ip.total_len, 60);
        assert_eq!(ip.id, 0);
        assert!(ip.df && !ip.mf && !ip.reserved);
        assert_eq!(ip.frag_offset, 0);
        assert_eq!(ip.ttl, 64);
        assert_eq!(ip.proto, 6);
        assert_eq!(ip.checksum, 0x3cba);
        assert_eq!(ip.checksum_status, Checksum::Good);
        assert!(ip.options.is_empty());
        let t = tcp_of(&h);
        assert_eq!((t.src_port, t.dst_port), (53312, 5000));
        assert_eq!((t.seq, t.ack), (1, 2));
        assert_eq!(t.header_len, 40);
        assert_eq!(t.flags, TcpFlags(TcpFlags::SYN | TcpFlags::ACK));
        assert_eq!(t.window, 65495);
        assert_eq!(t.checksum, 0x6c25);
        assert_eq!(t.checksum_status, Checksum::Good);
        assert_eq!(t.urgent, 0);
        assert_eq!(
            t.options,
            [
                TcpOption::Mss(65495),
                TcpOption::SackPermitted,
                TcpOption::Timestamps { val: 1, ecr: 0 },
                TcpOption::Nop,
                TcpOption::WindowScale(7),
            ]
        );
        assert_eq!((h.transport_at, h.payload_at, h.payload_len), (20, 60, 0));
        assert_eq!(h.bytes, IPV4_TCP_SYN_ACK);
        assert_eq!(h.captured, 60);
    }

    #[test]
    fn a_wrong_checksum_says_what_it_should_be() {
        let mut p = IPV4_TCP_SYN_ACK;
        p[10] ^= 0xff; // IPv4 header checksum
        p[20 + 16] ^= 0x01; // TCP checksum
        let h = decode(LinkType::Ipv4, &p, 0).unwrap();
        assert_eq!(
            v4_of(&h).checksum_status,
            Checksum::Bad { expected: 0x3cba }
        );
        assert_eq!(
            tcp_of(&h).checksum_status,
            Checksum::Bad { expected: 0x6c25 }
        );
        assert!(h.bytes.is_empty(), "keep 0 keeps no bytes");
    }

    /// Linux on loopback leaves the pseudo-header sum in the field: for
    /// 127.0.0.1 > 127.0.0.1 with a 40-byte TCP header that is 0xfe30 (as in
    /// every SYN of tests/data).
    #[test]
    fn an_offloaded_checksum_is_partial_not_bad() {
        let mut p = IPV4_TCP_SYN_ACK;
        p[20 + 16..20 + 18].copy_from_slice(&[0xfe, 0x30]);
        let h = decode(LinkType::Ipv4, &p, 0).unwrap();
        assert_eq!(tcp_of(&h).checksum_status, Checksum::Partial);
        // IPv6 ::1 > ::1, 24 bytes of TCP: 1 + 1 + 24 + 6 = 0x0020.
        let mut p = IPV6_TCP_SYN;
        p[40 + 16..40 + 18].copy_from_slice(&[0x00, 0x20]);
        let h = decode(LinkType::Ipv6, &p, 0).unwrap();
        assert_eq!(tcp_of(&h).checksum_status, Checksum::Partial);
    }

    #[test]
    fn udp_fields_and_checksums() {
        let h = decode(LinkType::Ipv4, &IPV4_UDP, usize::MAX).unwrap();
        let Transport::Udp(u) = &h.transport else {
            panic!("expected UDP");
        };
        assert_eq!((u.src_port, u.dst_port, u.length), (40000, 5001, 14));
        assert_eq!(u.checksum, 0x0e2a);
        assert_eq!(u.checksum_status, Checksum::Good);
        assert_eq!((h.payload_at, h.payload_len), (28, 6));
        assert_eq!(&h.bytes[h.payload_at..], b"hello\n");

        let mut none = IPV4_UDP;
        none[26..28].copy_from_slice(&[0, 0]);
        let h = decode(LinkType::Ipv4, &none, 0).unwrap();
        let Transport::Udp(u) = &h.transport else {
            panic!("expected UDP");
        };
        assert_eq!(u.checksum_status, Checksum::Absent);

        // A snaplen that cuts the payload: nothing to check against.
        let h = decode(LinkType::Ipv4, &IPV4_UDP[..30], usize::MAX).unwrap();
        let Transport::Udp(u) = &h.transport else {
            panic!("expected UDP");
        };
        assert_eq!(u.checksum_status, Checksum::Unverified);
        assert_eq!((h.captured, h.payload_len), (30, 6));
    }

    #[test]
    fn built_packets_have_good_checksums_on_both_ip_versions() {
        for (src, dst) in [
            ("127.0.0.1:40000", "127.0.0.1:5001"),
            ("[::1]:40000", "[::1]:5001"),
        ] {
            let (src, dst) = (src.parse().unwrap(), dst.parse().unwrap());
            let odd = b"odd";
            let t = build::tcp(src, dst, 7, 9, TcpFlags::ACK | TcpFlags::PSH, 512, &[], odd);
            let link = if src.is_ipv4() {
                LinkType::Ipv4
            } else {
                LinkType::Ipv6
            };
            let h = decode(link, &t, 0).unwrap();
            assert_eq!(tcp_of(&h).checksum_status, Checksum::Good, "{src}");
            let u = build::udp(src, dst, odd);
            let h = decode(link, &u, 0).unwrap();
            let Transport::Udp(u) = &h.transport else {
                panic!("expected UDP");
            };
            assert_eq!(u.checksum_status, Checksum::Good, "{src}");
        }
    }

    #[test]
    fn icmp_port_unreachable_fields() {
        let icmp = build::port_unreachable(&IPV4_UDP);
        let h = decode(LinkType::Ipv4, &icmp, 0).unwrap();
        let Transport::Icmp(m) = &h.transport else {
            panic!("expected ICMP");
        };
        assert_eq!((m.v6, m.icmp_type, m.code), (false, 3, 3));
        assert_eq!(m.checksum_status, Checksum::Good);
        let udp6 = build::udp_v6(
            "[::1]:40000".parse().unwrap(),
            "[::1]:5001".parse().unwrap(),
            b"hi",
        );
        let h = decode(LinkType::Ipv6, &build::port_unreachable(&udp6), 0).unwrap();
        let Transport::Icmp(m) = &h.transport else {
            panic!("expected ICMPv6");
        };
        assert_eq!((m.v6, m.icmp_type, m.code), (true, 1, 4));
        assert_eq!(m.checksum_status, Checksum::Good);
    }

    #[test]
    fn ipv6_fields_and_extension_chain() {
        let h = decode(LinkType::Ipv6, &IPV6_EXT_TCP_SYN, 0).unwrap();
        let Ip::V6(ip) = &h.ip else {
            panic!("expected IPv6");
        };
        assert_eq!(ip.hop_limit, 64);
        assert_eq!(ip.next_header, 0, "hop-by-hop first");
        assert!(!ip.extensions.is_empty());
        let ext_len: usize = ip.extensions.iter().map(|(_, l)| l).sum();
        assert_eq!(h.transport_at, 40 + ext_len);
        assert!(tcp_of(&h).flags.has(TcpFlags::SYN));
    }

    #[test]
    fn options_with_sack_blocks_unknown_kinds_and_a_bad_length() {
        #[rustfmt::skip]
        let bytes = [
            0x01, 0x01,                         // NOP NOP
            0x05, 0x12,                         // SACK, 2 blocks
            0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20, // 16-32
            0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x50, // 64-80
            0x1e, 0x04, 0xab, 0xcd,             // kind 30 (MPTCP), 2 bytes
            0x03, 0x09, 0x07,                   // window scale with length 9: bad
            0x02, 0x04, 0x05, 0xb4,             // never read
        ];
        assert_eq!(
            tcp_options(&bytes),
            [
                TcpOption::Nop,
                TcpOption::Nop,
                TcpOption::Sack(vec![(16, 32), (64, 80)]),
                TcpOption::Unknown {
                    kind: 30,
                    data: vec![0xab, 0xcd]
                },
                TcpOption::Malformed { kind: 3, len: 9 },
            ]
        );
        assert_eq!(
            tcp_options(&[0x02]),
            [TcpOption::Malformed { kind: 2, len: 0 }]
        );
        assert_eq!(
            tcp_options(&[0x00, 0x02, 0x04]),
            [TcpOption::End],
            "nothing after END"
        );
    }

    #[test]
    fn ip_flags_fragment_offset_and_options() {
        #[rustfmt::skip]
        let packet = [
            0x46, 0xb9,             // IHL 6, DSCP 46 (EF), ECN 1
            0x00, 0x23,             // total length 35
            0x12, 0x34, 0x20, 0x00, // id 0x1234, MF, offset 0
            0x01, 0x11, 0x00, 0x00, // TTL 1, UDP, checksum 0 (wrong)
            0x0a, 0x00, 0x00, 0x01,
            0x0a, 0x00, 0x00, 0x02,
            0x94, 0x04, 0x00, 0x00, // router alert
            0x00, 0x35, 0x00, 0x35, 0x00, 0x0b, 0x00, 0x00,
            b'a', b'b', b'c',
        ];
        let h = decode(LinkType::Ipv4, &packet, 0).unwrap();
        let ip = v4_of(&h);
        assert_eq!((ip.dscp, ip.ecn), (46, 1));
        assert_eq!(ip.id, 0x1234);
        assert!(ip.mf && !ip.df);
        assert_eq!(ip.ttl, 1);
        assert_eq!(ip.options, [0x94, 0x04, 0x00, 0x00]);
        assert!(matches!(ip.checksum_status, Checksum::Bad { .. }));

        // A later fragment: IP fields, no transport header.
        let mut later = packet;
        later[6..8].copy_from_slice(&[0x00, 0x10]); // offset 16 × 8
        let h = decode(LinkType::Ipv4, &later, 0).unwrap();
        assert_eq!(v4_of(&h).frag_offset, 128);
        assert_eq!(h.transport, Transport::Other { proto: 17 });
    }

    #[test]
    fn not_ip_or_broken_is_none_and_nothing_panics() {
        assert_eq!(decode(LinkType::Ipv4, &[], 0), None);
        assert_eq!(decode(LinkType::Ipv4, &IPV4_TCP_SYN_ACK[..50], 0), None);
        let mut bytes = IPV4_TCP_SYN_ACK.to_vec();
        for cut in 0..bytes.len() {
            let _ = decode(LinkType::Ipv4, &bytes[..cut], 64);
        }
        for i in 0..bytes.len() {
            for v in [0x00, 0x01, 0x45, 0x7f, 0xff] {
                let old = bytes[i];
                bytes[i] = v;
                let _ = decode(LinkType::Ipv4, &bytes, 64);
                bytes[i] = old;
            }
        }
    }
}
