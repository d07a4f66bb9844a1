//! IPv4 and IPv6: validate the header, skip options and extension headers,
//! and hand the transport layer its bytes bounded by the IP length.

use super::{be16, check_len, DecodeError, Malformation};
use pnet_packet::ipv4::Ipv4Packet;
use pnet_packet::ipv6::Ipv6Packet;
use std::net::IpAddr;

/// IP protocol numbers (IPv4 "protocol", IPv6 "next header").
pub(crate) const PROTO_HOP_BY_HOP: u8 = 0;
pub(crate) const PROTO_ICMP: u8 = 1;
pub(crate) const PROTO_TCP: u8 = 6;
pub(crate) const PROTO_UDP: u8 = 17;
pub(crate) const PROTO_ROUTING: u8 = 43;
pub(crate) const PROTO_FRAGMENT: u8 = 44;
pub(crate) const PROTO_AUTH: u8 = 51;
pub(crate) const PROTO_ICMPV6: u8 = 58;
pub(crate) const PROTO_DEST_OPTS: u8 = 60;

/// Header sizes and field layout.
mod field {
    use std::ops::Range;

    /// The IP version is the high nibble of the first byte.
    pub const VERSION_SHIFT: u8 = 4;
    /// The IPv4 header length (IHL) is the low nibble of the first byte.
    pub const IHL_MASK: u8 = 0x0f;
    /// IPv4 header without options.
    pub const IPV4_MIN_HEADER_LEN: usize = 20;
    /// IPv4 IHL counts 32-bit words.
    pub const IPV4_IHL_UNIT: usize = 4;
    /// IPv4 fragment offset counts 8-byte blocks.
    pub const IPV4_FRAGMENT_UNIT: usize = 8;
    /// Fixed IPv6 header.
    pub const IPV6_HEADER_LEN: usize = 40;

    /// Every IPv6 extension header starts with next header (1), length (1).
    pub const EXT_NEXT_HEADER: usize = 0;
    pub const EXT_LENGTH: usize = 1;
    /// The smallest extension header, and the unit of most length fields.
    pub const EXT_UNIT: usize = 8;
    /// Fragment header: offset (13 bits) and flags (3 bits) at bytes 2..4.
    pub const FRAG_OFFSET_FLAGS: Range<usize> = 2..4;
    pub const FRAG_HEADER_LEN: usize = 8;
    pub const FRAG_OFFSET_SHIFT: u16 = 3;
    /// Authentication header length counts 32-bit words, minus 2.
    pub const AUTH_UNIT: usize = 4;
    pub const AUTH_LEN_BIAS: usize = 2;
}

/// A validated IP packet: addresses, protocol and transport bytes.
pub(crate) struct IpPacket<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Transport protocol after any extension headers.
    pub proto: u8,
    /// Transport bytes captured, never beyond the IP length (no padding).
    pub payload: &'a [u8],
    /// Transport length as the IP header states it.
    pub payload_len: usize,
}

/// Result of IP parsing: a packet to go on with, or something to describe.
pub(crate) enum Parsed<'a> {
    Packet(IpPacket<'a>),
    /// A non-first fragment: no transport header in it.
    Other(String),
}

/// The IP version nibble of a packet, if it has a first byte.
pub(crate) fn version(data: &[u8]) -> Option<u8> {
    data.first().map(|first| first >> field::VERSION_SHIFT)
}

/// Fail with `Malformed` unless the version nibble is `expected`, and with
/// `Truncated` when there is not even one byte to read it from.
fn check_version(layer: &'static str, data: &[u8], expected: u8) -> Result<(), DecodeError> {
    let Some(version) = version(data) else {
        return Err(DecodeError::Truncated {
            layer,
            need: if expected == 4 {
                field::IPV4_MIN_HEADER_LEN
            } else {
                field::IPV6_HEADER_LEN
            },
            have: 0,
        });
    };
    if version != expected {
        return Err(DecodeError::Malformed {
            layer,
            what: Malformation::Version {
                version,
                expected: Some(expected),
            },
        });
    }
    Ok(())
}

/// Parse an IPv4 packet (`data` may run past the packet: Ethernet padding).
pub(crate) fn parse_v4(data: &[u8]) -> Result<Parsed<'_>, DecodeError> {
    const LAYER: &str = "IPv4";
    check_version(LAYER, data, 4)?;
    let ihl = usize::from(data[0] & field::IHL_MASK);
    if ihl * field::IPV4_IHL_UNIT < field::IPV4_MIN_HEADER_LEN {
        return Err(DecodeError::Malformed {
            layer: LAYER,
            what: Malformation::HeaderLength { words: ihl },
        });
    }
    let header_len = ihl * field::IPV4_IHL_UNIT;
    let truncated = DecodeError::Truncated {
        layer: LAYER,
        need: header_len,
        have: data.len(),
    };
    if data.len() < header_len {
        return Err(truncated);
    }
    let Some(header) = Ipv4Packet::new(data) else {
        return Err(truncated);
    };
    let total_len = usize::from(header.get_total_length());
    if total_len < header_len {
        return Err(DecodeError::Malformed {
            layer: LAYER,
            what: Malformation::TotalLength {
                total: total_len,
                header: header_len,
            },
        });
    }
    let src = header.get_source();
    let dst = header.get_destination();
    let proto = header.get_next_level_protocol().0;
    let fragment_offset = usize::from(header.get_fragment_offset()) * field::IPV4_FRAGMENT_UNIT;
    if fragment_offset != 0 {
        return Ok(Parsed::Other(format!(
            "IPv4 fragment {src} > {dst} ip proto {proto}, offset {fragment_offset}"
        )));
    }
    let end = total_len.min(data.len());
    Ok(Parsed::Packet(IpPacket {
        src: src.into(),
        dst: dst.into(),
        proto,
        payload: &data[header_len..end],
        payload_len: total_len - header_len,
    }))
}

/// Parse an IPv6 packet and skip its extension headers.
pub(crate) fn parse_v6(data: &[u8]) -> Result<Parsed<'_>, DecodeError> {
    const LAYER: &str = "IPv6";
    check_version(LAYER, data, 6)?;
    let truncated = DecodeError::Truncated {
        layer: LAYER,
        need: field::IPV6_HEADER_LEN,
        have: data.len(),
    };
    if data.len() < field::IPV6_HEADER_LEN {
        return Err(truncated);
    }
    let Some(header) = Ipv6Packet::new(data) else {
        return Err(truncated);
    };
    let src = header.get_source();
    let dst = header.get_destination();
    let stated = usize::from(header.get_payload_length());
    let end = (field::IPV6_HEADER_LEN + stated).min(data.len());
    let payload = &data[field::IPV6_HEADER_LEN..end];

    // Walk the extension header chain; `offset` is from the payload start.
    let mut next = header.get_next_header().0;
    let mut offset = 0;
    while matches!(
        next,
        PROTO_HOP_BY_HOP | PROTO_ROUTING | PROTO_DEST_OPTS | PROTO_AUTH | PROTO_FRAGMENT
    ) {
        // Every extension header is at least 8 bytes: enough to read its length.
        ext_check(offset + field::EXT_UNIT, stated, payload.len())?;
        let length = usize::from(payload[offset + field::EXT_LENGTH]);
        let ext_len = match next {
            PROTO_FRAGMENT => field::FRAG_HEADER_LEN,
            PROTO_AUTH => (length + field::AUTH_LEN_BIAS) * field::AUTH_UNIT,
            // Hop-by-hop, routing, destination options: 8-octet units
            // not counting the first 8.
            _ => (length + 1) * field::EXT_UNIT,
        };
        ext_check(offset + ext_len, stated, payload.len())?;
        let ext = &payload[offset..offset + ext_len];
        if next == PROTO_FRAGMENT {
            let offset_flags = be16(&ext[field::FRAG_OFFSET_FLAGS]);
            let fragment_offset =
                usize::from(offset_flags >> field::FRAG_OFFSET_SHIFT) * field::EXT_UNIT;
            if fragment_offset != 0 {
                return Ok(Parsed::Other(format!(
                    "IPv6 fragment {src} > {dst} next header {}, offset {fragment_offset}",
                    ext[field::EXT_NEXT_HEADER]
                )));
            }
        }
        next = ext[field::EXT_NEXT_HEADER];
        offset += ext_len;
    }
    Ok(Parsed::Packet(IpPacket {
        src: src.into(),
        dst: dst.into(),
        proto: next,
        payload: &payload[offset..],
        payload_len: stated - offset,
    }))
}

/// An extension header must end within both the stated payload length and
/// the capture; sizes are reported from the start of the IPv6 header.
fn ext_check(end: usize, stated: usize, have: usize) -> Result<(), DecodeError> {
    check_len(
        "IPv6 extension header",
        field::IPV6_HEADER_LEN + end,
        field::IPV6_HEADER_LEN + stated,
        field::IPV6_HEADER_LEN + have,
    )
}

#[cfg(test)]
mod tests {
    use crate::wire::testdata::{IPV4_UDP, IPV6_EXT_TCP_SYN, IPV6_TCP_SYN};
    use crate::wire::{build, decode, DecodeError, LinkType, Malformation, Packet, TcpFlags};

    fn malformed(layer: &'static str, what: Malformation) -> Result<Packet, DecodeError> {
        Err(DecodeError::Malformed { layer, what })
    }

    fn truncated(layer: &'static str, need: usize, have: usize) -> Result<Packet, DecodeError> {
        Err(DecodeError::Truncated { layer, need, have })
    }

    /// [`IPV4_UDP`] with the first header byte (version, IHL) replaced.
    fn with_first_byte(byte: u8) -> Vec<u8> {
        let mut packet = IPV4_UDP.to_vec();
        packet[0] = byte;
        packet
    }

    #[test]
    fn ipv4_ihl_below_five_is_malformed() {
        assert_eq!(
            decode(LinkType::Ipv4, &with_first_byte(0x43)), // version 4, IHL 3
            malformed("IPv4", Malformation::HeaderLength { words: 3 })
        );
    }

    #[test]
    fn ipv4_wrong_version_is_malformed() {
        assert_eq!(
            decode(LinkType::Ipv4, &with_first_byte(0x65)),
            malformed(
                "IPv4",
                Malformation::Version {
                    version: 6,
                    expected: Some(4)
                }
            )
        );
    }

    #[test]
    fn ipv4_total_length_below_header_length_is_malformed() {
        let mut packet = IPV4_UDP.to_vec();
        packet[2..4].copy_from_slice(&[0x00, 0x10]); // total length 16 < 20
        assert_eq!(
            decode(LinkType::Ipv4, &packet),
            malformed(
                "IPv4",
                Malformation::TotalLength {
                    total: 16,
                    header: 20
                }
            )
        );
    }

    #[test]
    fn ipv4_header_cut() {
        assert_eq!(
            decode(LinkType::Ipv4, &IPV4_UDP[..12]),
            truncated("IPv4", 20, 12)
        );
        assert_eq!(decode(LinkType::Ipv4, &[]), truncated("IPv4", 20, 0));
        // IHL 6: the 4 option bytes are cut.
        let mut packet = IPV4_UDP[..22].to_vec();
        packet[0] = 0x46;
        assert_eq!(decode(LinkType::Ipv4, &packet), truncated("IPv4", 24, 22));
    }

    #[test]
    fn ipv4_options_are_skipped() {
        #[rustfmt::skip]
        let packet = [
            0x46,                   // version 4, IHL 6 (24 bytes)
            0x00,                   // DSCP 0, ECN 0
            0x00, 0x23,             // total length 35 (24 + 8 + 3)
            0x00, 0x00, 0x40, 0x00, // identification 0, DF
            0x40, 0x11, 0x00, 0x00, // TTL 64, UDP, checksum (not checked)
            0x0a, 0x00, 0x00, 0x01, // source 10.0.0.1
            0x0a, 0x00, 0x00, 0x02, // destination 10.0.0.2
            0x94, 0x04, 0x00, 0x00, // option: router alert
            0x00, 0x35, 0x00, 0x35, // UDP ports 53 > 53
            0x00, 0x0b, 0x00, 0x00, // length 11, no checksum
            b'a', b'b', b'c',       // payload
        ];
        let Ok(Packet::Udp(datagram)) = decode(LinkType::Ipv4, &packet) else {
            panic!("expected UDP");
        };
        assert_eq!(datagram.src.to_string(), "10.0.0.1:53");
        assert_eq!(datagram.preview, b"abc");
    }

    #[test]
    fn ipv4_non_first_fragment_is_other() {
        let mut packet = IPV4_UDP.to_vec();
        packet[6..8].copy_from_slice(&[0x00, 0xb9]); // no flags, offset 185 * 8 = 1480
        assert_eq!(
            decode(LinkType::Ipv4, &packet),
            Ok(Packet::Other(
                "IPv4 fragment 127.0.0.1 > 127.0.0.1 ip proto 17, offset 1480".to_string()
            ))
        );
    }

    #[test]
    fn ethernet_padding_does_not_leak_into_payload() {
        // A 1-byte UDP datagram is 29 bytes of IP; Ethernet pads the frame
        // to 60 bytes with zeros (here 0xee to make a leak visible).
        let ip = build::udp_v4(
            "127.0.0.1:40000".parse().unwrap(),
            "127.0.0.1:5001".parse().unwrap(),
            b"x",
        );
        let mut frame = build::ethernet(&ip);
        frame.resize(60, 0xee);
        let Ok(Packet::Udp(datagram)) = decode(LinkType::Ethernet, &frame) else {
            panic!("expected UDP");
        };
        assert_eq!(datagram.payload_len, 1);
        assert_eq!(datagram.preview, b"x");
        assert!(!datagram.payload_truncated);

        // Same for TCP: the payload length comes from the IP header.
        let ip = build::tcp_v4(
            "127.0.0.1:53312".parse().unwrap(),
            "127.0.0.1:5000".parse().unwrap(),
            1,
            1,
            TcpFlags::PSH | TcpFlags::ACK,
            512,
            &[],
            b"y",
        );
        let mut frame = build::ethernet(&ip);
        frame.resize(60, 0xee);
        let Ok(Packet::Tcp(segment)) = decode(LinkType::Ethernet, &frame) else {
            panic!("expected TCP");
        };
        assert_eq!(segment.payload_len, 1);
        assert_eq!(segment.preview, b"y");
    }

    #[test]
    fn ipv6_header_cut() {
        assert_eq!(
            decode(LinkType::Ipv6, &IPV6_TCP_SYN[..39]),
            truncated("IPv6", 40, 39)
        );
    }

    #[test]
    fn ipv6_extension_headers_before_tcp() {
        let Ok(Packet::Tcp(segment)) = decode(LinkType::Ipv6, &IPV6_EXT_TCP_SYN) else {
            panic!("expected TCP");
        };
        assert_eq!(segment.src.to_string(), "[::1]:53312");
        assert_eq!(segment.dst.to_string(), "[::1]:5000");
        assert!(segment.is_syn());
        assert_eq!(segment.payload_len, 0);
    }

    #[test]
    fn ipv6_destination_options_and_auth_header() {
        #[rustfmt::skip]
        let packet = [
            // IPv6 header
            0x60, 0x00, 0x00, 0x00, // version 6
            0x00, 0x2a,             // payload length 42 (8 + 24 + 8 + 2)
            0x3c,                   // next header 60 (destination options)
            0x40,                   // hop limit 64
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // source ::1
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // destination ::1
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
            // destination options (8 bytes)
            0x33,                   // next header 51 (authentication header)
            0x00,                   // length 0: 8 bytes
            0x01, 0x04, 0x00, 0x00, 0x00, 0x00, // PadN
            // authentication header (24 bytes)
            0x11,                   // next header 17 (UDP)
            0x04,                   // length 4: (4 + 2) * 4 = 24 bytes
            0x00, 0x00,             // reserved
            0x00, 0x00, 0x01, 0x00, // security parameters index
            0x00, 0x00, 0x00, 0x01, // sequence number
            0xaa, 0xaa, 0xaa, 0xaa, // integrity check value (12 bytes)
            0xaa, 0xaa, 0xaa, 0xaa,
            0xaa, 0xaa, 0xaa, 0xaa,
            // UDP
            0x9c, 0x40, 0x13, 0x89, // ports 40000 > 5001
            0x00, 0x0a, 0x00, 0x00, // length 10, checksum
            b'h', b'i',
        ];
        let Ok(Packet::Udp(datagram)) = decode(LinkType::Ipv6, &packet) else {
            panic!("expected UDP");
        };
        assert_eq!(datagram.dst.to_string(), "[::1]:5001");
        assert_eq!(datagram.preview, b"hi");
    }

    #[test]
    fn ipv6_non_first_fragment_is_other() {
        let mut packet = IPV6_EXT_TCP_SYN.to_vec();
        // The fragment header's offset field is at 40 + 8 + 24 + 2.
        packet[74..76].copy_from_slice(&[0x05, 0xa8]); // offset 181 * 8 = 1448, last
        assert_eq!(
            decode(LinkType::Ipv6, &packet),
            Ok(Packet::Other(
                "IPv6 fragment ::1 > ::1 next header 6, offset 1448".to_string()
            ))
        );
    }

    #[test]
    fn ipv6_extension_header_cut_or_too_long() {
        // Cut inside the routing header (which ends 72 bytes in).
        assert_eq!(
            decode(LinkType::Ipv6, &IPV6_EXT_TCP_SYN[..60]),
            truncated("IPv6 extension header", 72, 60)
        );
        // The payload length says 16: the routing header cannot fit.
        let mut packet = IPV6_EXT_TCP_SYN.to_vec();
        packet[4..6].copy_from_slice(&[0x00, 0x10]);
        assert_eq!(
            decode(LinkType::Ipv6, &packet),
            malformed(
                "IPv6 extension header",
                Malformation::LongerThanIp {
                    need: 72,
                    stated: 56
                }
            )
        );
    }

    #[test]
    fn other_ip_protocols_are_named_by_number() {
        let sctp = build::ipv4(
            "127.0.0.1".parse().unwrap(),
            "127.0.0.1".parse().unwrap(),
            132,
            &[0; 12],
        );
        assert_eq!(
            decode(LinkType::Ipv4, &sctp),
            Ok(Packet::Other("ip proto 132".to_string()))
        );
        let no_next = build::ipv6("::1".parse().unwrap(), "::1".parse().unwrap(), 59, &[]);
        assert_eq!(
            decode(LinkType::Ipv6, &no_next),
            Ok(Packet::Other("ip proto 59".to_string()))
        );
    }
}
