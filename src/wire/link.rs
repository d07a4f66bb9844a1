//! Link layers: strip the frame header and say which network protocol follows.
//!
//! Loopback captures come in many wrappings: Ethernet with zero addresses on
//! Linux `lo`, a 4-byte address family on BSD/macOS `lo0`, "cooked" headers
//! for `-i any`, or no header at all.

use super::{be16, DecodeError, LinkType};
use pnet_packet::ethernet::EthernetPacket;

/// What the link layer carried.
pub(crate) enum Network<'a> {
    /// An IPv4 packet (everything after the link header).
    Ipv4(&'a [u8]),
    /// An IPv6 packet (everything after the link header).
    Ipv6(&'a [u8]),
    /// Not IP: a short description (`ARP`, `ethertype 0x88cc`).
    Other(String),
}

/// Address family for IPv4 in DLT_NULL / DLT_LOOP headers (every OS).
pub const AF_INET: u32 = 2;
/// Address family for IPv6 on Linux.
pub const AF_INET6_LINUX: u32 = 10;
/// Address family for IPv6 on NetBSD, OpenBSD and BSD/OS.
pub const AF_INET6_BSD: u32 = 24;
/// Address family for IPv6 on FreeBSD and DragonFly.
pub const AF_INET6_FREEBSD: u32 = 28;
/// Address family for IPv6 on macOS (Darwin).
pub const AF_INET6_DARWIN: u32 = 30;

/// EtherType values (also used as the protocol field of Linux cooked headers).
pub(crate) mod ethertype {
    pub const IPV4: u16 = 0x0800;
    pub const ARP: u16 = 0x0806;
    pub const IPV6: u16 = 0x86dd;
    /// IEEE 802.1Q customer VLAN tag.
    pub const VLAN: u16 = 0x8100;
    /// IEEE 802.1ad service VLAN tag (QinQ outer tag).
    pub const QINQ: u16 = 0x88a8;
    /// Pre-standard QinQ outer tag still seen in the wild.
    pub const QINQ_OLD: u16 = 0x9100;
    /// Values below this are 802.3 length fields, not EtherTypes.
    pub const MIN_ETHERTYPE: u16 = 0x0600;
}

/// Header sizes and field offsets of the link layers.
pub(crate) mod field {
    use std::ops::Range;

    /// Ethernet: destination MAC (6), source MAC (6), EtherType (2).
    pub const ETHERNET_HEADER_LEN: usize = 14;
    pub const ETHERNET_TYPE: Range<usize> = 12..14;
    /// 802.1Q tag after the outer EtherType: TCI (2), inner EtherType (2).
    pub const VLAN_TAG_LEN: usize = 4;
    pub const VLAN_INNER_TYPE: Range<usize> = 2..4;
    /// DLT_NULL and DLT_LOOP: a 4-byte address family.
    pub const LOOPBACK_HEADER_LEN: usize = 4;
    pub const LOOPBACK_FAMILY: Range<usize> = 0..4;
    /// Linux SLL: packet type (2), ARPHRD type (2), address length (2),
    /// address (8), protocol (2).
    pub const SLL_HEADER_LEN: usize = 16;
    pub const SLL_PROTOCOL: Range<usize> = 14..16;
    /// Linux SLL2: protocol (2), reserved (2), interface index (4),
    /// ARPHRD type (2), packet type (1), address length (1), address (8).
    pub const SLL2_HEADER_LEN: usize = 20;
    pub const SLL2_PROTOCOL: Range<usize> = 0..2;
}

/// How many stacked VLAN tags we look through (802.1ad QinQ has two).
const MAX_VLAN_TAGS: usize = 2;

/// Strip the link header of `data` according to `link`.
pub(crate) fn strip(link: LinkType, data: &[u8]) -> Result<Network<'_>, DecodeError> {
    match link {
        LinkType::Ethernet => ethernet(data),
        LinkType::Null => loopback("BSD loopback", data, |family| {
            // Host byte order of the capturing machine: try both.
            let le = u32::from_le_bytes(family);
            let be = u32::from_be_bytes(family);
            if is_known_family(le) {
                le
            } else if is_known_family(be) {
                be
            } else {
                le.min(be)
            }
        }),
        LinkType::Loop => loopback("OpenBSD loopback", data, u32::from_be_bytes),
        LinkType::Raw => raw(data),
        LinkType::Ipv4 => Ok(Network::Ipv4(data)),
        LinkType::Ipv6 => Ok(Network::Ipv6(data)),
        LinkType::LinuxSll => cooked(
            "Linux SLL",
            data,
            field::SLL_HEADER_LEN,
            field::SLL_PROTOCOL,
        ),
        LinkType::LinuxSll2 => cooked(
            "Linux SLL2",
            data,
            field::SLL2_HEADER_LEN,
            field::SLL2_PROTOCOL,
        ),
        LinkType::Unknown(dlt) => Ok(Network::Other(format!("link type {dlt}"))),
    }
}

/// Fail with `Truncated` unless `data` holds at least `need` bytes.
fn need(layer: &'static str, data: &[u8], need: usize) -> Result<(), DecodeError> {
    if data.len() < need {
        return Err(DecodeError::Truncated {
            layer,
            need,
            have: data.len(),
        });
    }
    Ok(())
}

fn ethernet(data: &[u8]) -> Result<Network<'_>, DecodeError> {
    const LAYER: &str = "Ethernet";
    need(LAYER, data, field::ETHERNET_HEADER_LEN)?;
    let Some(frame) = EthernetPacket::new(data) else {
        return Err(DecodeError::Truncated {
            layer: LAYER,
            need: field::ETHERNET_HEADER_LEN,
            have: data.len(),
        });
    };
    by_ethertype(frame.get_ethertype().0, &data[field::ETHERNET_HEADER_LEN..])
}

/// Dispatch on an EtherType, looking through up to [`MAX_VLAN_TAGS`] tags.
fn by_ethertype(mut ethertype: u16, mut rest: &[u8]) -> Result<Network<'_>, DecodeError> {
    let mut tags = 0;
    while matches!(
        ethertype,
        ethertype::VLAN | ethertype::QINQ | ethertype::QINQ_OLD
    ) {
        if tags == MAX_VLAN_TAGS {
            return Ok(Network::Other(format!(
                "ethertype 0x{ethertype:04x} (more than {MAX_VLAN_TAGS} VLAN tags)"
            )));
        }
        need("802.1Q VLAN tag", rest, field::VLAN_TAG_LEN)?;
        ethertype = be16(&rest[field::VLAN_INNER_TYPE]);
        rest = &rest[field::VLAN_TAG_LEN..];
        tags += 1;
    }
    Ok(match ethertype {
        ethertype::IPV4 => Network::Ipv4(rest),
        ethertype::IPV6 => Network::Ipv6(rest),
        ethertype::ARP => Network::Other("ARP".to_string()),
        length if length < ethertype::MIN_ETHERTYPE => {
            Network::Other(format!("802.3 frame, length {length}"))
        }
        other => Network::Other(format!("ethertype 0x{other:04x}")),
    })
}

fn is_known_family(family: u32) -> bool {
    matches!(
        family,
        AF_INET | AF_INET6_LINUX | AF_INET6_BSD | AF_INET6_FREEBSD | AF_INET6_DARWIN
    )
}

/// DLT_NULL / DLT_LOOP: a 4-byte address family read by `read_family`.
fn loopback<'a>(
    layer: &'static str,
    data: &'a [u8],
    read_family: impl Fn([u8; 4]) -> u32,
) -> Result<Network<'a>, DecodeError> {
    need(layer, data, field::LOOPBACK_HEADER_LEN)?;
    let mut bytes = [0; 4];
    bytes.copy_from_slice(&data[field::LOOPBACK_FAMILY]);
    let rest = &data[field::LOOPBACK_HEADER_LEN..];
    Ok(match read_family(bytes) {
        AF_INET => Network::Ipv4(rest),
        AF_INET6_LINUX | AF_INET6_BSD | AF_INET6_FREEBSD | AF_INET6_DARWIN => Network::Ipv6(rest),
        other => Network::Other(format!("address family {other}")),
    })
}

/// DLT_RAW: the IP version nibble says which IP it is.
fn raw(data: &[u8]) -> Result<Network<'_>, DecodeError> {
    match super::ip::version(data) {
        None => Err(DecodeError::Truncated {
            layer: "IP",
            need: 1,
            have: 0,
        }),
        Some(4) => Ok(Network::Ipv4(data)),
        Some(6) => Ok(Network::Ipv6(data)),
        Some(version) => Err(DecodeError::Malformed {
            layer: "IP",
            what: super::Malformation::Version {
                version,
                expected: None,
            },
        }),
    }
}

/// Linux cooked captures: a fixed header with an EtherType somewhere in it.
fn cooked<'a>(
    layer: &'static str,
    data: &'a [u8],
    header_len: usize,
    protocol: std::ops::Range<usize>,
) -> Result<Network<'a>, DecodeError> {
    need(layer, data, header_len)?;
    by_ethertype(be16(&data[protocol]), &data[header_len..])
}

#[cfg(test)]
mod tests {
    use crate::wire::testdata::{IPV4_UDP, IPV6_TCP_SYN};
    use crate::wire::{decode, Datagram, DecodeError, LinkType, Packet, Segment};

    /// The frame is `header` followed by `ip`.
    fn frame(header: &[u8], ip: &[u8]) -> Vec<u8> {
        [header, ip].concat()
    }

    /// What [`IPV4_UDP`] decodes to, whatever the link layer.
    fn assert_hello_udp(packet: Result<Packet, DecodeError>) {
        let Ok(Packet::Udp(Datagram {
            src,
            dst,
            payload_len,
            preview,
            payload_truncated,
        })) = packet
        else {
            panic!("expected the UDP datagram, got {packet:?}");
        };
        assert_eq!(src.to_string(), "127.0.0.1:40000");
        assert_eq!(dst.to_string(), "127.0.0.1:5001");
        assert_eq!(payload_len, 6);
        assert_eq!(preview, b"hello\n");
        assert!(!payload_truncated);
    }

    /// What [`IPV6_TCP_SYN`] decodes to, whatever the link layer.
    fn assert_v6_syn(packet: Result<Packet, DecodeError>) {
        let Ok(Packet::Tcp(segment)) = packet else {
            panic!("expected the IPv6 SYN, got {packet:?}");
        };
        let Segment { src, dst, .. } = &segment;
        assert_eq!(src.to_string(), "[::1]:53312");
        assert_eq!(dst.to_string(), "[::1]:5000");
        assert!(segment.is_syn());
        assert_eq!(segment.options.mss, Some(65476));
    }

    fn other(text: &str) -> Result<Packet, DecodeError> {
        Ok(Packet::Other(text.to_string()))
    }

    #[rustfmt::skip]
    const ETHERNET_IPV4: [u8; 14] = [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // destination MAC (zero on Linux lo)
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // source MAC
        0x08, 0x00,                         // EtherType IPv4
    ];

    #[test]
    fn ethernet_ipv4() {
        assert_hello_udp(decode(
            LinkType::Ethernet,
            &frame(&ETHERNET_IPV4, &IPV4_UDP),
        ));
    }

    #[test]
    fn ethernet_ipv6() {
        #[rustfmt::skip]
        let header = [
            0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // destination MAC
            0x02, 0x00, 0x00, 0x00, 0x00, 0x02, // source MAC
            0x86, 0xdd,                         // EtherType IPv6
        ];
        assert_v6_syn(decode(LinkType::Ethernet, &frame(&header, &IPV6_TCP_SYN)));
    }

    #[test]
    fn ethernet_one_vlan_tag() {
        #[rustfmt::skip]
        let header = [
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // destination MAC
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // source MAC
            0x81, 0x00,                         // EtherType 802.1Q
            0x00, 0x64,                         //   priority 0, VLAN 100
            0x08, 0x00,                         //   EtherType IPv4
        ];
        assert_hello_udp(decode(LinkType::Ethernet, &frame(&header, &IPV4_UDP)));
    }

    #[test]
    fn ethernet_two_vlan_tags() {
        #[rustfmt::skip]
        let header = [
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // destination MAC
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // source MAC
            0x88, 0xa8,                         // EtherType 802.1ad (service tag)
            0x00, 0xc8,                         //   VLAN 200
            0x81, 0x00,                         //   EtherType 802.1Q (customer tag)
            0x00, 0x64,                         //   VLAN 100
            0x86, 0xdd,                         //   EtherType IPv6
        ];
        assert_v6_syn(decode(LinkType::Ethernet, &frame(&header, &IPV6_TCP_SYN)));
    }

    #[test]
    fn ethernet_three_vlan_tags_are_not_followed() {
        #[rustfmt::skip]
        let header = [
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // destination MAC
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // source MAC
            0x88, 0xa8, 0x00, 0x01,             // 802.1ad, VLAN 1
            0x81, 0x00, 0x00, 0x02,             // 802.1Q, VLAN 2
            0x81, 0x00, 0x00, 0x03,             // 802.1Q, VLAN 3
            0x08, 0x00,                         // EtherType IPv4
        ];
        assert_eq!(
            decode(LinkType::Ethernet, &frame(&header, &IPV4_UDP)),
            other("ethertype 0x8100 (more than 2 VLAN tags)")
        );
    }

    #[test]
    fn ethernet_vlan_tag_cut() {
        #[rustfmt::skip]
        let header = [
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // destination MAC
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // source MAC
            0x81, 0x00,                         // EtherType 802.1Q
            0x00, 0x64,                         //   VLAN 100, then the capture ends
        ];
        assert_eq!(
            decode(LinkType::Ethernet, &header),
            Err(DecodeError::Truncated {
                layer: "802.1Q VLAN tag",
                need: 4,
                have: 2
            })
        );
    }

    #[test]
    fn ethernet_not_ip() {
        let with_type = |ethertype: [u8; 2]| frame(&[&[0; 12][..], &ethertype].concat(), &[0; 28]);
        assert_eq!(
            decode(LinkType::Ethernet, &with_type([0x08, 0x06])),
            other("ARP")
        );
        assert_eq!(
            decode(LinkType::Ethernet, &with_type([0x88, 0xcc])),
            other("ethertype 0x88cc")
        );
        assert_eq!(
            decode(LinkType::Ethernet, &with_type([0x00, 0x26])),
            other("802.3 frame, length 38")
        );
    }

    #[test]
    fn ethernet_header_cut() {
        assert_eq!(
            decode(LinkType::Ethernet, &ETHERNET_IPV4[..10]),
            Err(DecodeError::Truncated {
                layer: "Ethernet",
                need: 14,
                have: 10
            })
        );
    }

    #[test]
    fn null_ipv4_little_endian_host() {
        // macOS on x86 or ARM: AF_INET = 2 in little-endian order.
        let header = [0x02, 0x00, 0x00, 0x00];
        assert_hello_udp(decode(LinkType::Null, &frame(&header, &IPV4_UDP)));
    }

    #[test]
    fn null_ipv4_big_endian_host() {
        // A capture written on a big-endian machine: AF_INET = 2.
        let header = [0x00, 0x00, 0x00, 0x02];
        assert_hello_udp(decode(LinkType::Null, &frame(&header, &IPV4_UDP)));
    }

    #[test]
    fn null_ipv6_every_family_number() {
        // AF_INET6 is 10 on Linux, 24 on Net/OpenBSD, 28 on FreeBSD, 30 on macOS.
        for family in [10u32, 24, 28, 30] {
            assert_v6_syn(decode(
                LinkType::Null,
                &frame(&family.to_le_bytes(), &IPV6_TCP_SYN),
            ));
            assert_v6_syn(decode(
                LinkType::Null,
                &frame(&family.to_be_bytes(), &IPV6_TCP_SYN),
            ));
        }
    }

    #[test]
    fn null_unknown_family() {
        // AF_APPLETALK (16 on macOS), little-endian.
        let header = [0x10, 0x00, 0x00, 0x00];
        assert_eq!(
            decode(LinkType::Null, &frame(&header, &IPV4_UDP)),
            other("address family 16")
        );
    }

    #[test]
    fn null_header_cut() {
        assert_eq!(
            decode(LinkType::Null, &[0x02, 0x00]),
            Err(DecodeError::Truncated {
                layer: "BSD loopback",
                need: 4,
                have: 2
            })
        );
    }

    #[test]
    fn loop_network_byte_order() {
        assert_hello_udp(decode(
            LinkType::Loop,
            &frame(&[0x00, 0x00, 0x00, 0x02], &IPV4_UDP), // AF_INET, big-endian
        ));
        assert_v6_syn(decode(
            LinkType::Loop,
            &frame(&[0x00, 0x00, 0x00, 0x18], &IPV6_TCP_SYN), // AF_INET6 = 24 on OpenBSD
        ));
        // Little-endian is not LOOP's order: 0x02000000 is no family.
        assert_eq!(
            decode(LinkType::Loop, &frame(&[0x02, 0x00, 0x00, 0x00], &IPV4_UDP)),
            other("address family 33554432")
        );
    }

    #[test]
    fn raw_ip_by_version_nibble() {
        assert_hello_udp(decode(LinkType::Raw, &IPV4_UDP));
        assert_v6_syn(decode(LinkType::Raw, &IPV6_TCP_SYN));
        assert_eq!(
            decode(LinkType::Raw, &[0x50, 0x00]),
            Err(DecodeError::Malformed {
                layer: "IP",
                what: crate::wire::Malformation::Version {
                    version: 5,
                    expected: None
                }
            })
        );
        assert_eq!(
            decode(LinkType::Raw, &[]),
            Err(DecodeError::Truncated {
                layer: "IP",
                need: 1,
                have: 0
            })
        );
    }

    #[test]
    fn ipv4_and_ipv6_link_types() {
        assert_hello_udp(decode(LinkType::Ipv4, &IPV4_UDP));
        assert_v6_syn(decode(LinkType::Ipv6, &IPV6_TCP_SYN));
        assert!(matches!(
            decode(LinkType::Ipv4, &IPV6_TCP_SYN),
            Err(DecodeError::Malformed { layer: "IPv4", .. })
        ));
    }

    #[test]
    fn linux_sll() {
        #[rustfmt::skip]
        let header = [
            0x00, 0x00,                         // packet type 0 (to us)
            0x03, 0x04,                         // ARPHRD type 772 (loopback)
            0x00, 0x06,                         // address length 6
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // address
            0x00, 0x00,                         //   padding to 8 bytes
            0x08, 0x00,                         // protocol IPv4
        ];
        assert_hello_udp(decode(LinkType::LinuxSll, &frame(&header, &IPV4_UDP)));
        assert_eq!(
            decode(LinkType::LinuxSll, &header[..15]),
            Err(DecodeError::Truncated {
                layer: "Linux SLL",
                need: 16,
                have: 15
            })
        );
    }

    #[test]
    fn linux_sll2() {
        #[rustfmt::skip]
        let header = [
            0x86, 0xdd,                         // protocol IPv6
            0x00, 0x00,                         // reserved
            0x00, 0x00, 0x00, 0x01,             // interface index 1 (lo)
            0x03, 0x04,                         // ARPHRD type 772 (loopback)
            0x04,                               // packet type 4 (outgoing)
            0x06,                               // address length 6
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // address
            0x00, 0x00,                         //   padding to 8 bytes
        ];
        assert_v6_syn(decode(LinkType::LinuxSll2, &frame(&header, &IPV6_TCP_SYN)));
        assert_eq!(
            decode(LinkType::LinuxSll2, &header[..19]),
            Err(DecodeError::Truncated {
                layer: "Linux SLL2",
                need: 20,
                have: 19
            })
        );
    }

    #[test]
    fn unknown_link_type() {
        // DLT_USER0: nothing we can read.
        assert_eq!(
            decode(LinkType::from_dlt(147), &IPV4_UDP),
            other("link type 147")
        );
    }

    #[test]
    fn dlt_numbers_round_trip() {
        for link in LinkType::KNOWN {
            assert_eq!(LinkType::from_dlt(link.to_dlt()), link);
        }
        assert_eq!(LinkType::from_dlt(12), LinkType::Raw);
    }
}
