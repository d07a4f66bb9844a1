//! Build valid frames for tests: IPv4/IPv6 packets carrying TCP, UDP or ICMP
//! with correct lengths and checksums, wrapped in any link layer, and classic
//! pcap files that tcpdump reads without complaint.
//!
//! ```
//! use socklab::wire::{build, decode, LinkType, Packet, TcpFlags};
//!
//! let ip = build::tcp_v4(
//!     "127.0.0.1:53312".parse().unwrap(),
//!     "127.0.0.1:5000".parse().unwrap(),
//!     1000, 0, TcpFlags::SYN, 65495, &[], b"",
//! );
//! let frame = build::ethernet(&ip);
//! assert!(matches!(decode(LinkType::Ethernet, &frame), Ok(Packet::Tcp(_))));
//! ```
//!
//! These functions are for tests: they panic on impossible requests (a
//! packet over 64 KiB, more than 40 bytes of TCP options, mixed families).

use super::ip::{version, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP};
use super::link::{ethertype, field as link_field};
use super::link::{AF_INET, AF_INET6_BSD, AF_INET6_DARWIN};
use super::tcp::{field as tcp_field, option};
use super::{LinkType, TcpOptions};
use pnet_packet::ip::IpNextHeaderProtocol;
use pnet_packet::ipv4::{self, Ipv4Flags, MutableIpv4Packet};
use pnet_packet::ipv6::MutableIpv6Packet;
use pnet_packet::tcp::MutableTcpPacket;
use pnet_packet::udp::MutableUdpPacket;
use pnet_packet::util;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::time::Duration;

/// TTL / hop limit of built packets (Linux default).
pub const TTL: u8 = 64;
/// ARPHRD_LOOPBACK: the hardware type Linux cooked headers give `lo`.
pub const ARPHRD_LOOPBACK: u16 = 772;
/// Interface index written in SLL2 headers (`lo` is 1 on Linux).
pub const LOOPBACK_IFINDEX: u32 = 1;
/// Snapshot length written in pcap file headers.
pub const PCAP_SNAPLEN: u32 = 262_144;

const IPV4_HEADER_LEN: usize = 20;
const IPV4_IHL_WORDS: u8 = 5;
const IPV6_HEADER_LEN: usize = 40;
const UDP_HEADER_LEN: usize = 8;
const MAX_TCP_OPTIONS: usize = 40;
const TCP_WORD: usize = 4;
/// Checksum positions, in 16-bit words, for pnet's checksum helpers.
const TCP_CHECKSUM_WORD: usize = 8;
const UDP_CHECKSUM_WORD: usize = 3;
const ICMP_CHECKSUM_WORD: usize = 1;
/// Byte offset of the checksum in TCP, UDP and ICMP headers.
const TCP_CHECKSUM: usize = 16;
const UDP_CHECKSUM: usize = 6;
const ICMP_CHECKSUM: usize = 2;
/// ICMP type, code and checksum come before the type-specific body.
const ICMP_PREFIX_LEN: usize = 4;
const ICMP_UNREACHABLE: u8 = 3;
const ICMP_PORT_UNREACHABLE: u8 = 3;
const ICMPV6_UNREACHABLE: u8 = 1;
const ICMPV6_PORT_UNREACHABLE: u8 = 4;
/// Linux cooked header packet type "sent to us".
const PACKET_HOST: u8 = 0;
/// Length of the (zero) link-layer address in cooked headers.
const COOKED_ADDR_LEN: u8 = 6;
/// pcap file format: magic for microsecond timestamps, version 2.4.
const PCAP_MAGIC: u32 = 0xa1b2_c3d4;
const PCAP_VERSION: (u16, u16) = (2, 4);

/// A TCP segment over IPv4 with correct lengths and checksums.
/// `options` is padded with EOL to a multiple of 4 bytes (at most 40).
#[allow(clippy::too_many_arguments)] // the header fields a test wants to set
pub fn tcp_v4(
    src: SocketAddrV4,
    dst: SocketAddrV4,
    seq: u32,
    ack: u32,
    flags: u8,
    win: u16,
    options: &[u8],
    payload: &[u8],
) -> Vec<u8> {
    let mut segment = tcp_segment(
        src.port(),
        dst.port(),
        seq,
        ack,
        flags,
        win,
        options,
        payload,
    );
    let sum = util::ipv4_checksum(
        &segment,
        TCP_CHECKSUM_WORD,
        &[],
        src.ip(),
        dst.ip(),
        IpNextHeaderProtocol(PROTO_TCP),
    );
    put16(&mut segment, TCP_CHECKSUM, sum);
    ipv4(*src.ip(), *dst.ip(), PROTO_TCP, &segment)
}

/// A TCP segment over IPv6 with correct lengths and checksums.
#[allow(clippy::too_many_arguments)] // the header fields a test wants to set
pub fn tcp_v6(
    src: SocketAddrV6,
    dst: SocketAddrV6,
    seq: u32,
    ack: u32,
    flags: u8,
    win: u16,
    options: &[u8],
    payload: &[u8],
) -> Vec<u8> {
    let mut segment = tcp_segment(
        src.port(),
        dst.port(),
        seq,
        ack,
        flags,
        win,
        options,
        payload,
    );
    let sum = util::ipv6_checksum(
        &segment,
        TCP_CHECKSUM_WORD,
        &[],
        src.ip(),
        dst.ip(),
        IpNextHeaderProtocol(PROTO_TCP),
    );
    put16(&mut segment, TCP_CHECKSUM, sum);
    ipv6(*src.ip(), *dst.ip(), PROTO_TCP, &segment)
}

/// A TCP segment over IPv4 or IPv6, by the family of `src`.
///
/// # Panics
/// When `src` and `dst` are of different families.
#[allow(clippy::too_many_arguments)] // the header fields a test wants to set
pub fn tcp(
    src: SocketAddr,
    dst: SocketAddr,
    seq: u32,
    ack: u32,
    flags: u8,
    win: u16,
    options: &[u8],
    payload: &[u8],
) -> Vec<u8> {
    match (src, dst) {
        (SocketAddr::V4(s), SocketAddr::V4(d)) => {
            tcp_v4(s, d, seq, ack, flags, win, options, payload)
        }
        (SocketAddr::V6(s), SocketAddr::V6(d)) => {
            tcp_v6(s, d, seq, ack, flags, win, options, payload)
        }
        _ => panic!("build::tcp: {src} and {dst} are of different address families"),
    }
}

/// A UDP datagram over IPv4 with correct lengths and checksums.
pub fn udp_v4(src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) -> Vec<u8> {
    let mut datagram = udp_datagram(src.port(), dst.port(), payload);
    let sum = util::ipv4_checksum(
        &datagram,
        UDP_CHECKSUM_WORD,
        &[],
        src.ip(),
        dst.ip(),
        IpNextHeaderProtocol(PROTO_UDP),
    );
    put16(&mut datagram, UDP_CHECKSUM, udp_checksum_on_wire(sum));
    ipv4(*src.ip(), *dst.ip(), PROTO_UDP, &datagram)
}

/// A UDP datagram over IPv6 with correct lengths and checksums.
pub fn udp_v6(src: SocketAddrV6, dst: SocketAddrV6, payload: &[u8]) -> Vec<u8> {
    let mut datagram = udp_datagram(src.port(), dst.port(), payload);
    let sum = util::ipv6_checksum(
        &datagram,
        UDP_CHECKSUM_WORD,
        &[],
        src.ip(),
        dst.ip(),
        IpNextHeaderProtocol(PROTO_UDP),
    );
    put16(&mut datagram, UDP_CHECKSUM, udp_checksum_on_wire(sum));
    ipv6(*src.ip(), *dst.ip(), PROTO_UDP, &datagram)
}

/// A UDP datagram over IPv4 or IPv6, by the family of `src`.
///
/// # Panics
/// When `src` and `dst` are of different families.
pub fn udp(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> Vec<u8> {
    match (src, dst) {
        (SocketAddr::V4(s), SocketAddr::V4(d)) => udp_v4(s, d, payload),
        (SocketAddr::V6(s), SocketAddr::V6(d)) => udp_v6(s, d, payload),
        _ => panic!("build::udp: {src} and {dst} are of different address families"),
    }
}

/// An ICMP message over IPv4; `body` is what follows type, code and checksum
/// (for errors: 4 unused bytes, then the quoted packet).
pub fn icmp_v4(src: Ipv4Addr, dst: Ipv4Addr, icmp_type: u8, code: u8, body: &[u8]) -> Vec<u8> {
    let mut message = icmp_message(icmp_type, code, body);
    let sum = util::checksum(&message, ICMP_CHECKSUM_WORD);
    put16(&mut message, ICMP_CHECKSUM, sum);
    ipv4(src, dst, PROTO_ICMP, &message)
}

/// An ICMPv6 message over IPv6 (checksum includes the pseudo-header).
pub fn icmp_v6(src: Ipv6Addr, dst: Ipv6Addr, icmp_type: u8, code: u8, body: &[u8]) -> Vec<u8> {
    let mut message = icmp_message(icmp_type, code, body);
    let sum = util::ipv6_checksum(
        &message,
        ICMP_CHECKSUM_WORD,
        &[],
        &src,
        &dst,
        IpNextHeaderProtocol(PROTO_ICMPV6),
    );
    put16(&mut message, ICMP_CHECKSUM, sum);
    ipv6(src, dst, PROTO_ICMPV6, &message)
}

/// The "port unreachable" a host sends back for `original` (an IPv4 or IPv6
/// packet from [`udp_v4`]/[`udp_v6`]), quoting all of it.
///
/// # Panics
/// When `original` is not a whole IPv4 or IPv6 header.
pub fn port_unreachable(original: &[u8]) -> Vec<u8> {
    let mut body = vec![0; ICMP_PREFIX_LEN];
    body.extend_from_slice(original);
    match original_addrs(original) {
        Some((IpAddr::V4(src), IpAddr::V4(dst))) => {
            icmp_v4(dst, src, ICMP_UNREACHABLE, ICMP_PORT_UNREACHABLE, &body)
        }
        Some((IpAddr::V6(src), IpAddr::V6(dst))) => {
            icmp_v6(dst, src, ICMPV6_UNREACHABLE, ICMPV6_PORT_UNREACHABLE, &body)
        }
        _ => panic!("build::port_unreachable: the original is not an IP packet"),
    }
}

/// Source and destination of an IP packet built here.
fn original_addrs(packet: &[u8]) -> Option<(IpAddr, IpAddr)> {
    match version(packet)? {
        4 => {
            let header = pnet_packet::ipv4::Ipv4Packet::new(packet)?;
            Some((header.get_source().into(), header.get_destination().into()))
        }
        6 => {
            let header = pnet_packet::ipv6::Ipv6Packet::new(packet)?;
            Some((header.get_source().into(), header.get_destination().into()))
        }
        _ => None,
    }
}

/// An IPv4 header (no options, DF set, checksum computed) before `payload`.
pub fn ipv4(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, payload: &[u8]) -> Vec<u8> {
    let total = IPV4_HEADER_LEN + payload.len();
    let total_len = u16::try_from(total).expect("build::ipv4: packet over 65535 bytes");
    let mut buf = vec![0; total];
    {
        let mut ip = MutableIpv4Packet::new(&mut buf).expect("buffer holds the header");
        ip.set_version(4);
        ip.set_header_length(IPV4_IHL_WORDS);
        ip.set_total_length(total_len);
        ip.set_flags(Ipv4Flags::DontFragment);
        ip.set_ttl(TTL);
        ip.set_next_level_protocol(IpNextHeaderProtocol(proto));
        ip.set_source(src);
        ip.set_destination(dst);
        let sum = ipv4::checksum(&ip.to_immutable());
        ip.set_checksum(sum);
    }
    buf[IPV4_HEADER_LEN..].copy_from_slice(payload);
    buf
}

/// An IPv6 header (no extension headers) before `payload`.
pub fn ipv6(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, payload: &[u8]) -> Vec<u8> {
    let payload_len = u16::try_from(payload.len()).expect("build::ipv6: payload over 65535 bytes");
    let mut buf = vec![0; IPV6_HEADER_LEN + payload.len()];
    {
        let mut ip = MutableIpv6Packet::new(&mut buf).expect("buffer holds the header");
        ip.set_version(6);
        ip.set_payload_length(payload_len);
        ip.set_next_header(IpNextHeaderProtocol(next_header));
        ip.set_hop_limit(TTL);
        ip.set_source(src);
        ip.set_destination(dst);
    }
    buf[IPV6_HEADER_LEN..].copy_from_slice(payload);
    buf
}

/// Encode options the way Linux lays them out:
/// `mss, sackOK, TS, nop, wscale` on a SYN; `nop, nop, TS` afterwards.
pub fn tcp_options(options: &TcpOptions) -> Vec<u8> {
    const NOP: u8 = option::NOP;
    let mut bytes = Vec::new();
    if let Some(mss) = options.mss {
        bytes.extend_from_slice(&[option::MSS, option::MSS_LEN as u8]);
        bytes.extend_from_slice(&mss.to_be_bytes());
    }
    let sack_ok = [option::SACK_PERMITTED, option::SACK_PERMITTED_LEN as u8];
    match (options.sack_permitted, options.timestamps) {
        (true, Some(ts)) => {
            bytes.extend_from_slice(&sack_ok);
            push_timestamps(&mut bytes, ts);
        }
        (false, Some(ts)) => {
            bytes.extend_from_slice(&[NOP, NOP]);
            push_timestamps(&mut bytes, ts);
        }
        (true, None) => {
            bytes.extend_from_slice(&[NOP, NOP]);
            bytes.extend_from_slice(&sack_ok);
        }
        (false, None) => {}
    }
    if let Some(shift) = options.wscale {
        bytes.extend_from_slice(&[NOP, option::WSCALE, option::WSCALE_LEN as u8, shift]);
    }
    bytes
}

fn push_timestamps(bytes: &mut Vec<u8>, (val, ecr): (u32, u32)) {
    bytes.extend_from_slice(&[option::TIMESTAMPS, option::TIMESTAMPS_LEN as u8]);
    bytes.extend_from_slice(&val.to_be_bytes());
    bytes.extend_from_slice(&ecr.to_be_bytes());
}

/// An Ethernet frame as Linux `lo` captures it: zero MAC addresses, the
/// EtherType from the IP version (6 → IPv6, anything else → IPv4).
pub fn ethernet(ip: &[u8]) -> Vec<u8> {
    ethernet_vlan(&[], ip)
}

/// An Ethernet frame with VLAN tags (outermost first): one tag is 802.1Q,
/// two are 802.1ad QinQ (outer 0x88a8, inner 0x8100).
pub fn ethernet_vlan(vlan_ids: &[u16], ip: &[u8]) -> Vec<u8> {
    let mut frame = vec![0; link_field::ETHERNET_TYPE.start];
    for (i, id) in vlan_ids.iter().enumerate() {
        let tag_type = if i + 1 < vlan_ids.len() {
            ethertype::QINQ
        } else {
            ethertype::VLAN
        };
        frame.extend_from_slice(&tag_type.to_be_bytes());
        frame.extend_from_slice(&id.to_be_bytes());
    }
    frame.extend_from_slice(&ip_ethertype(ip).to_be_bytes());
    frame.extend_from_slice(ip);
    frame
}

/// A DLT_NULL frame: the address family in this machine's byte order.
pub fn null_loopback(af: u32, ip: &[u8]) -> Vec<u8> {
    let mut frame = af.to_ne_bytes().to_vec();
    frame.extend_from_slice(ip);
    frame
}

/// A DLT_LOOP frame: the address family in network byte order.
pub fn loop_loopback(af: u32, ip: &[u8]) -> Vec<u8> {
    let mut frame = af.to_be_bytes().to_vec();
    frame.extend_from_slice(ip);
    frame
}

/// A Linux cooked v1 frame (`-i any`) as `lo` gives it.
pub fn sll(ip: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(link_field::SLL_HEADER_LEN + ip.len());
    frame.extend_from_slice(&u16::from(PACKET_HOST).to_be_bytes()); // packet type
    frame.extend_from_slice(&ARPHRD_LOOPBACK.to_be_bytes()); // hardware type
    frame.extend_from_slice(&u16::from(COOKED_ADDR_LEN).to_be_bytes()); // address length
    frame.extend_from_slice(&[0; 8]); // address (zero MAC, padded to 8)
    frame.extend_from_slice(&ip_ethertype(ip).to_be_bytes()); // protocol
    frame.extend_from_slice(ip);
    frame
}

/// A Linux cooked v2 frame (`-i any`) as `lo` gives it.
pub fn sll2(ip: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(link_field::SLL2_HEADER_LEN + ip.len());
    frame.extend_from_slice(&ip_ethertype(ip).to_be_bytes()); // protocol
    frame.extend_from_slice(&[0; 2]); // reserved
    frame.extend_from_slice(&LOOPBACK_IFINDEX.to_be_bytes()); // interface index
    frame.extend_from_slice(&ARPHRD_LOOPBACK.to_be_bytes()); // hardware type
    frame.push(PACKET_HOST); // packet type
    frame.push(COOKED_ADDR_LEN); // address length
    frame.extend_from_slice(&[0; 8]); // address (zero MAC, padded to 8)
    frame.extend_from_slice(ip);
    frame
}

/// Wrap an IP packet in the link header of `link`: Ethernet as on Linux,
/// NULL as on macOS (IPv6 family 30), LOOP as on OpenBSD (IPv6 family 24).
/// Raw, IPv4, IPv6 and unknown link types get the packet as it is.
pub fn frame(link: LinkType, ip: &[u8]) -> Vec<u8> {
    let is_v6 = version(ip) == Some(6);
    match link {
        LinkType::Ethernet => ethernet(ip),
        LinkType::Null => null_loopback(if is_v6 { AF_INET6_DARWIN } else { AF_INET }, ip),
        LinkType::Loop => loop_loopback(if is_v6 { AF_INET6_BSD } else { AF_INET }, ip),
        LinkType::LinuxSll => sll(ip),
        LinkType::LinuxSll2 => sll2(ip),
        LinkType::Raw | LinkType::Ipv4 | LinkType::Ipv6 | LinkType::Unknown(_) => ip.to_vec(),
    }
}

/// A classic pcap file (microsecond timestamps, little-endian) holding
/// `frames` whole, each with its capture time since the epoch.
pub fn pcap_file(link: LinkType, frames: &[(Duration, &[u8])]) -> Vec<u8> {
    let mut file = Vec::new();
    file.extend_from_slice(&PCAP_MAGIC.to_le_bytes());
    file.extend_from_slice(&PCAP_VERSION.0.to_le_bytes());
    file.extend_from_slice(&PCAP_VERSION.1.to_le_bytes());
    file.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    file.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    file.extend_from_slice(&PCAP_SNAPLEN.to_le_bytes());
    file.extend_from_slice(&link.to_dlt().to_le_bytes()); // link type
    for (time, data) in frames {
        let len = u32::try_from(data.len()).expect("build::pcap_file: frame over 4 GiB");
        let secs = u32::try_from(time.as_secs()).expect("build::pcap_file: time after 2106");
        file.extend_from_slice(&secs.to_le_bytes());
        file.extend_from_slice(&time.subsec_micros().to_le_bytes());
        file.extend_from_slice(&len.to_le_bytes()); // captured length
        file.extend_from_slice(&len.to_le_bytes()); // length on the wire
        file.extend_from_slice(data);
    }
    file
}

fn ip_ethertype(ip: &[u8]) -> u16 {
    if version(ip) == Some(6) {
        ethertype::IPV6
    } else {
        ethertype::IPV4
    }
}

#[allow(clippy::too_many_arguments)] // the header fields a test wants to set
fn tcp_segment(
    src_port: u16,
    dst_port: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    win: u16,
    options: &[u8],
    payload: &[u8],
) -> Vec<u8> {
    assert!(
        options.len() <= MAX_TCP_OPTIONS,
        "build::tcp: {} bytes of options (at most {MAX_TCP_OPTIONS})",
        options.len()
    );
    let options_len = options.len().div_ceil(TCP_WORD) * TCP_WORD;
    let header_len = tcp_field::MIN_HEADER_LEN + options_len;
    let mut buf = vec![0; header_len + payload.len()];
    {
        let mut tcp = MutableTcpPacket::new(&mut buf).expect("buffer holds the header");
        tcp.set_source(src_port);
        tcp.set_destination(dst_port);
        tcp.set_sequence(seq);
        tcp.set_acknowledgement(ack);
        tcp.set_data_offset((header_len / TCP_WORD) as u8);
        tcp.set_flags(flags);
        tcp.set_window(win);
    }
    // Options, padded with EOL (zero) bytes, then the payload.
    buf[tcp_field::OPTIONS..tcp_field::OPTIONS + options.len()].copy_from_slice(options);
    buf[header_len..].copy_from_slice(payload);
    buf
}

fn udp_datagram(src_port: u16, dst_port: u16, payload: &[u8]) -> Vec<u8> {
    let total = UDP_HEADER_LEN + payload.len();
    let length = u16::try_from(total).expect("build::udp: datagram over 65535 bytes");
    let mut buf = vec![0; total];
    {
        let mut udp = MutableUdpPacket::new(&mut buf).expect("buffer holds the header");
        udp.set_source(src_port);
        udp.set_destination(dst_port);
        udp.set_length(length);
    }
    buf[UDP_HEADER_LEN..].copy_from_slice(payload);
    buf
}

fn icmp_message(icmp_type: u8, code: u8, body: &[u8]) -> Vec<u8> {
    let mut message = vec![icmp_type, code, 0, 0];
    message.extend_from_slice(body);
    message
}

/// A computed UDP checksum of 0 is sent as 0xffff (0 means "none").
fn udp_checksum_on_wire(sum: u16) -> u16 {
    if sum == 0 {
        0xffff
    } else {
        sum
    }
}

fn put16(buf: &mut [u8], offset: usize, value: u16) {
    buf[offset..offset + 2].copy_from_slice(&value.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::tcp::parse_options;
    use crate::wire::{decode, Packet, TcpFlags};

    /// One's-complement sum of 16-bit big-endian words (odd byte padded).
    fn ones_complement_sum(chunks: &[&[u8]]) -> u16 {
        let bytes: Vec<u8> = chunks.concat();
        let mut sum: u32 = bytes
            .chunks(2)
            .map(|pair| u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)])))
            .sum();
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        sum as u16
    }

    /// A received packet's checksums verify when every sum is 0xffff.
    fn assert_checksums_verify(ip: &[u8]) {
        let (pseudo, transport, proto) = if ip[0] >> 4 == 4 {
            assert_eq!(ones_complement_sum(&[&ip[..20]]), 0xffff, "IPv4 header");
            let len = (ip.len() - 20) as u16;
            let pseudo = [&ip[12..20], &[0, ip[9]], &len.to_be_bytes()].concat();
            (pseudo, &ip[20..], ip[9])
        } else {
            let len = (ip.len() - 40) as u32;
            let pseudo = [&ip[8..40], &len.to_be_bytes(), &[0, 0, 0, ip[6]]].concat();
            (pseudo, &ip[40..], ip[6])
        };
        if proto == PROTO_ICMP {
            assert_eq!(ones_complement_sum(&[transport]), 0xffff, "ICMP");
        } else {
            assert_eq!(
                ones_complement_sum(&[&pseudo, transport]),
                0xffff,
                "proto {proto}"
            );
        }
    }

    fn sample_packets() -> Vec<Vec<u8>> {
        let syn_options = tcp_options(&TcpOptions {
            mss: Some(65495),
            wscale: Some(7),
            sack_permitted: true,
            timestamps: Some((1, 0)),
        });
        let v4a: SocketAddrV4 = "127.0.0.1:53312".parse().unwrap();
        let v4b: SocketAddrV4 = "127.0.0.1:5000".parse().unwrap();
        let v6a: SocketAddrV6 = "[::1]:53312".parse().unwrap();
        let v6b: SocketAddrV6 = "[::1]:5000".parse().unwrap();
        let udp4 = udp_v4(v4a, v4b, b"hello\n");
        let udp6 = udp_v6(v6a, v6b, b"odd");
        vec![
            tcp_v4(v4a, v4b, 1, 0, TcpFlags::SYN, 65495, &syn_options, b""),
            tcp_v4(
                v4a,
                v4b,
                2,
                9,
                TcpFlags::PSH | TcpFlags::ACK,
                512,
                &[],
                b"odd",
            ),
            tcp_v6(v6a, v6b, 1, 0, TcpFlags::SYN, 65476, &syn_options, b""),
            tcp_v6(
                v6a,
                v6b,
                2,
                9,
                TcpFlags::PSH | TcpFlags::ACK,
                512,
                &[],
                b"hello",
            ),
            port_unreachable(&udp4),
            port_unreachable(&udp6),
            udp4,
            udp6,
        ]
    }

    #[test]
    fn checksums_verify() {
        for ip in sample_packets() {
            assert_checksums_verify(&ip);
        }
    }

    #[test]
    fn every_link_type_round_trips() {
        let ip = tcp(
            "[::1]:53312".parse().unwrap(),
            "[::1]:5000".parse().unwrap(),
            7,
            9,
            TcpFlags::PSH | TcpFlags::ACK,
            512,
            &[],
            b"hello",
        );
        for link in LinkType::KNOWN.into_iter().filter(|l| *l != LinkType::Ipv4) {
            let Ok(Packet::Tcp(segment)) = decode(link, &frame(link, &ip)) else {
                panic!("{link:?}: expected TCP");
            };
            assert_eq!(
                segment.to_string(),
                "::1.53312 > ::1.5000: Flags [P.], seq 7:12, ack 9, win 512, length 5",
                "{link:?}"
            );
        }
        let ip = udp(
            "127.0.0.1:40000".parse().unwrap(),
            "127.0.0.1:5001".parse().unwrap(),
            b"hello\n",
        );
        for link in LinkType::KNOWN.into_iter().filter(|l| *l != LinkType::Ipv6) {
            let Ok(Packet::Udp(datagram)) = decode(link, &frame(link, &ip)) else {
                panic!("{link:?}: expected UDP");
            };
            assert_eq!(
                datagram.to_string(),
                "127.0.0.1.40000 > 127.0.0.1.5001: UDP, length 6"
            );
        }
    }

    #[test]
    fn vlan_tags_are_written_outermost_first() {
        let ip = [0x45];
        assert_eq!(
            ethernet_vlan(&[200, 100], &ip)[12..],
            [0x88, 0xa8, 0x00, 0xc8, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00, 0x45]
        );
        assert_eq!(ethernet_vlan(&[100], &ip)[12..16], [0x81, 0x00, 0x00, 0x64]);
    }

    #[test]
    fn tcp_options_round_trip_and_pad() {
        let cases = [
            TcpOptions {
                mss: Some(65495),
                wscale: Some(7),
                sack_permitted: true,
                timestamps: Some((1, 0)),
            },
            TcpOptions {
                timestamps: Some((5, 6)),
                ..TcpOptions::default()
            },
            TcpOptions {
                mss: Some(1460),
                sack_permitted: true,
                ..TcpOptions::default()
            },
            TcpOptions::default(),
        ];
        for options in cases {
            let bytes = tcp_options(&options);
            assert_eq!(bytes.len() % 4, 0, "{options:?} is {} bytes", bytes.len());
            assert_eq!(parse_options(&bytes), options);
        }
        // Odd-sized options are padded with EOL: data offset 6 for 3 bytes.
        let ip = tcp_v4(
            "127.0.0.1:1".parse().unwrap(),
            "127.0.0.1:2".parse().unwrap(),
            0,
            0,
            TcpFlags::SYN,
            0,
            &[0x03, 0x03, 0x07],
            b"",
        );
        assert_eq!(ip[20 + 12] >> 4, 6);
        assert_eq!(ip[40..44], [0x03, 0x03, 0x07, 0x00]);
    }

    #[test]
    fn pcap_file_layout() {
        let first = [1u8, 2, 3];
        let file = pcap_file(
            LinkType::LinuxSll2,
            &[(Duration::new(1_700_000_000, 250_000_000), &first[..])],
        );
        #[rustfmt::skip]
        let expected: Vec<u8> = [
            &[0xd4, 0xc3, 0xb2, 0xa1][..], // magic, little-endian, microseconds
            &[0x02, 0x00, 0x04, 0x00],     // version 2.4
            &[0x00; 8],                    // thiszone, sigfigs
            &[0x00, 0x00, 0x04, 0x00],     // snaplen 262144
            &[0x14, 0x01, 0x00, 0x00],     // link type 276 (SLL2)
            &1_700_000_000u32.to_le_bytes(), // seconds
            &250_000u32.to_le_bytes(),     // microseconds
            &[0x03, 0x00, 0x00, 0x00],     // captured length 3
            &[0x03, 0x00, 0x00, 0x00],     // original length 3
            &first,
        ]
        .concat();
        assert_eq!(file, expected);
    }

    /// Run by hand: `cargo test --lib tcpdump_reads -- --ignored` (needs tcpdump).
    #[test]
    #[ignore = "needs tcpdump installed"]
    fn tcpdump_reads_built_frames_without_complaint() {
        let packets = sample_packets();
        for link in LinkType::KNOWN {
            let frames: Vec<Vec<u8>> = packets
                .iter()
                .filter(|ip| match link {
                    LinkType::Ipv4 => ip[0] >> 4 == 4,
                    LinkType::Ipv6 => ip[0] >> 4 == 6,
                    _ => true,
                })
                .map(|ip| frame(link, ip))
                .collect();
            let records: Vec<(Duration, &[u8])> = frames
                .iter()
                .enumerate()
                .map(|(i, f)| (Duration::from_millis(i as u64), &f[..]))
                .collect();
            let tmp = tempfile::tempdir().unwrap();
            let path = tmp.path().join(format!("wire-{}.pcap", link.to_dlt()));
            std::fs::write(&path, pcap_file(link, &records)).unwrap();
            let output = std::process::Command::new("tcpdump")
                .args(["-nn", "-vv", "-r"])
                .arg(&path)
                .output()
                .expect("tcpdump runs");
            std::fs::remove_file(&path).unwrap();
            let text = String::from_utf8_lossy(&output.stdout);
            assert!(output.status.success(), "{link:?}: {output:?}");
            assert!(
                !text.contains("bad") && !text.contains("incorrect"),
                "{link:?}:\n{text}"
            );
            let checked = text.matches("(correct)").count() + text.matches("sum ok").count();
            assert!(
                checked >= frames.len(),
                "{link:?}: only {checked} checksums checked:\n{text}"
            );
        }
    }
}
