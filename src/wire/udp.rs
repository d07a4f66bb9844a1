//! UDP: an 8-byte header and a length.

use super::ip::IpPacket;
use super::{check_len, preview, Datagram, DecodeError, Endpoint};
use pnet_packet::udp::UdpPacket;
use std::fmt;
use std::net::SocketAddr;

/// Source port (2), destination port (2), length (2), checksum (2).
pub(crate) const HEADER_LEN: usize = 8;

/// Decode the UDP datagram carried by `ip`.
pub(crate) fn parse(ip: &IpPacket<'_>) -> Result<Datagram, DecodeError> {
    const LAYER: &str = "UDP";
    let data = ip.payload;
    check_len(LAYER, HEADER_LEN, ip.payload_len, data.len())?;
    let Some(udp) = UdpPacket::new(data) else {
        return Err(DecodeError::Truncated {
            layer: LAYER,
            need: HEADER_LEN,
            have: data.len(),
        });
    };
    let udp_len = usize::from(udp.get_length());
    if udp_len < HEADER_LEN {
        return Err(DecodeError::Malformed {
            layer: LAYER,
            what: super::Malformation::UdpLength {
                len: udp_len,
                header: HEADER_LEN,
            },
        });
    }
    // The UDP length counts the header; the IP length bounds it.
    let payload_len = udp_len.min(ip.payload_len) - HEADER_LEN;
    let captured_end = data.len().min(HEADER_LEN + payload_len);
    let payload = &data[HEADER_LEN..captured_end];
    Ok(Datagram {
        src: SocketAddr::new(ip.src, udp.get_source()),
        dst: SocketAddr::new(ip.dst, udp.get_destination()),
        // At most 65535 - 8, so this never saturates.
        payload_len: u32::try_from(payload_len).unwrap_or(u32::MAX),
        preview: preview(payload),
        payload_truncated: payload.len() < payload_len,
    })
}

/// tcpdump's one-liner: `127.0.0.1.40000 > 127.0.0.1.5001: UDP, length 6`.
impl fmt::Display for Datagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} > {}: UDP, length {}",
            Endpoint(self.src),
            Endpoint(self.dst),
            self.payload_len
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::wire::testdata::IPV4_UDP;
    use crate::wire::{build, decode, Datagram, DecodeError, LinkType, Packet};

    fn datagram(link: LinkType, bytes: &[u8]) -> Datagram {
        match decode(link, bytes) {
            Ok(Packet::Udp(datagram)) => datagram,
            other => panic!("expected a UDP datagram, got {other:?}"),
        }
    }

    #[test]
    fn display_like_tcpdump() {
        assert_eq!(
            datagram(LinkType::Ipv4, &IPV4_UDP).to_string(),
            "127.0.0.1.40000 > 127.0.0.1.5001: UDP, length 6"
        );
        let v6 = build::udp_v6(
            "[::1]:40000".parse().unwrap(),
            "[::1]:5001".parse().unwrap(),
            b"hi",
        );
        assert_eq!(
            decode(LinkType::Ipv6, &v6).unwrap().to_string(),
            "::1.40000 > ::1.5001: UDP, length 2"
        );
    }

    #[test]
    fn length_below_header_is_malformed() {
        let mut packet = IPV4_UDP.to_vec();
        packet[20 + 4..20 + 6].copy_from_slice(&[0x00, 0x04]); // UDP length 4
        assert_eq!(
            decode(LinkType::Ipv4, &packet),
            Err(DecodeError::Malformed {
                layer: "UDP",
                what: crate::wire::Malformation::UdpLength { len: 4, header: 8 }
            })
        );
    }

    #[test]
    fn length_is_bounded_by_ip_payload() {
        let mut packet = IPV4_UDP.to_vec();
        packet[20 + 4..20 + 6].copy_from_slice(&[0x01, 0x00]); // UDP length 256
        let datagram = datagram(LinkType::Ipv4, &packet);
        assert_eq!(datagram.payload_len, 6);
        assert!(!datagram.payload_truncated);
    }

    #[test]
    fn shorter_udp_length_wins_over_ip_length() {
        let mut packet = IPV4_UDP.to_vec();
        packet[20 + 4..20 + 6].copy_from_slice(&[0x00, 0x0b]); // UDP length 11: 3 bytes
        let datagram = datagram(LinkType::Ipv4, &packet);
        assert_eq!(datagram.payload_len, 3);
        assert_eq!(datagram.preview, b"hel");
    }

    #[test]
    fn header_cut_and_payload_cut() {
        assert_eq!(
            decode(LinkType::Ipv4, &IPV4_UDP[..25]),
            Err(DecodeError::Truncated {
                layer: "UDP",
                need: 8,
                have: 5
            })
        );
        let cut = datagram(LinkType::Ipv4, &IPV4_UDP[..30]);
        assert_eq!(cut.payload_len, 6);
        assert_eq!(cut.preview, b"he");
        assert!(cut.payload_truncated);
    }
}
