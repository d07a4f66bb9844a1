//! Hand-written packets for the tests, commented field by field.
//!
//! Checksums are the real ones (tcpdump agrees); the decoder does not check them.

/// IPv4 + UDP: 127.0.0.1:40000 > 127.0.0.1:5001, payload "hello\n".
#[rustfmt::skip]
pub const IPV4_UDP: [u8; 34] = [
    // IPv4 header
    0x45,                   // version 4, IHL 5 (20 bytes)
    0x00,                   // DSCP 0, ECN 0
    0x00, 0x22,             // total length 34
    0x00, 0x00,             // identification 0
    0x40, 0x00,             // flags DF, fragment offset 0
    0x40,                   // TTL 64
    0x11,                   // protocol 17 (UDP)
    0x3c, 0xc9,             // header checksum
    0x7f, 0x00, 0x00, 0x01, // source 127.0.0.1
    0x7f, 0x00, 0x00, 0x01, // destination 127.0.0.1
    // UDP header
    0x9c, 0x40,             // source port 40000
    0x13, 0x89,             // destination port 5001
    0x00, 0x0e,             // length 14 (8 header + 6 payload)
    0x0e, 0x2a,             // checksum
    // payload
    b'h', b'e', b'l', b'l', b'o', b'\n',
];

/// IPv4 + TCP SYN-ACK with the options Linux sends on loopback:
/// 127.0.0.1:53312 > 127.0.0.1:5000, seq 1, ack 2, win 65495.
#[rustfmt::skip]
pub const IPV4_TCP_SYN_ACK: [u8; 60] = [
    // IPv4 header
    0x45,                   // version 4, IHL 5 (20 bytes)
    0x00,                   // DSCP 0, ECN 0
    0x00, 0x3c,             // total length 60
    0x00, 0x00,             // identification 0
    0x40, 0x00,             // flags DF, fragment offset 0
    0x40,                   // TTL 64
    0x06,                   // protocol 6 (TCP)
    0x3c, 0xba,             // header checksum
    0x7f, 0x00, 0x00, 0x01, // source 127.0.0.1
    0x7f, 0x00, 0x00, 0x01, // destination 127.0.0.1
    // TCP header
    0xd0, 0x40,             // source port 53312
    0x13, 0x88,             // destination port 5000
    0x00, 0x00, 0x00, 0x01, // sequence number 1
    0x00, 0x00, 0x00, 0x02, // acknowledgement number 2
    0xa0,                   // data offset 10 words (40 bytes), reserved 0
    0x12,                   // flags SYN ACK
    0xff, 0xd7,             // window 65495
    0x6c, 0x25,             // checksum
    0x00, 0x00,             // urgent pointer 0
    // TCP options (20 bytes)
    0x02, 0x04, 0xff, 0xd7, // MSS 65495
    0x04, 0x02,             // SACK permitted
    0x08, 0x0a,             // timestamps, length 10
    0x00, 0x00, 0x00, 0x01, //   TSval 1
    0x00, 0x00, 0x00, 0x00, //   TSecr 0
    0x01,                   // NOP
    0x03, 0x03, 0x07,       // window scale 7
];

/// IPv6 + TCP SYN with an MSS option: [::1]:53312 > [::1]:5000, seq 1.
#[rustfmt::skip]
pub const IPV6_TCP_SYN: [u8; 64] = [
    // IPv6 header
    0x60, 0x00, 0x00, 0x00, // version 6, traffic class 0, flow label 0
    0x00, 0x18,             // payload length 24
    0x06,                   // next header 6 (TCP)
    0x40,                   // hop limit 64
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // source ::1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // destination ::1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    // TCP header
    0xd0, 0x40,             // source port 53312
    0x13, 0x88,             // destination port 5000
    0x00, 0x00, 0x00, 0x01, // sequence number 1
    0x00, 0x00, 0x00, 0x00, // acknowledgement number 0
    0x60,                   // data offset 6 words (24 bytes)
    0x02,                   // flags SYN
    0xff, 0xc4,             // window 65476
    0xba, 0x85,             // checksum
    0x00, 0x00,             // urgent pointer 0
    // TCP options
    0x02, 0x04, 0xff, 0xc4, // MSS 65476
];

/// IPv6 with hop-by-hop, routing and (first) fragment headers before a TCP
/// SYN: [::1]:53312 > [::1]:5000, seq 1.
#[rustfmt::skip]
pub const IPV6_EXT_TCP_SYN: [u8; 100] = [
    // IPv6 header
    0x60, 0x00, 0x00, 0x00, // version 6, traffic class 0, flow label 0
    0x00, 0x3c,             // payload length 60 (8 + 24 + 8 + 20)
    0x00,                   // next header 0 (hop-by-hop options)
    0x40,                   // hop limit 64
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // source ::1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // destination ::1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    // hop-by-hop options header (8 bytes)
    0x2b,                   // next header 43 (routing)
    0x00,                   // length 0: (0 + 1) * 8 = 8 bytes
    0x01, 0x04, 0x00, 0x00, 0x00, 0x00, // PadN option, 4 bytes of padding
    // routing header (24 bytes)
    0x2c,                   // next header 44 (fragment)
    0x02,                   // length 2: (2 + 1) * 8 = 24 bytes
    0x00,                   // routing type 0
    0x00,                   // segments left 0
    0x00, 0x00, 0x00, 0x00, // reserved
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // address ::1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    // fragment header (8 bytes)
    0x06,                   // next header 6 (TCP)
    0x00,                   // reserved
    0x00, 0x01,             // fragment offset 0, more fragments
    0x12, 0x34, 0x56, 0x78, // identification
    // TCP header
    0xd0, 0x40,             // source port 53312
    0x13, 0x88,             // destination port 5000
    0x00, 0x00, 0x00, 0x01, // sequence number 1
    0x00, 0x00, 0x00, 0x00, // acknowledgement number 0
    0x50,                   // data offset 5 words (20 bytes)
    0x02,                   // flags SYN
    0xff, 0xc4,             // window 65476
    0x00, 0x00,             // checksum (not checked)
    0x00, 0x00,             // urgent pointer 0
];

/// ICMP port unreachable for [`IPV4_UDP`], quoting all of it.
#[rustfmt::skip]
pub const IPV4_ICMP_PORT_UNREACHABLE: [u8; 62] = [
    // IPv4 header
    0x45,                   // version 4, IHL 5 (20 bytes)
    0x00,                   // DSCP 0, ECN 0
    0x00, 0x3e,             // total length 62
    0x00, 0x00,             // identification 0
    0x40, 0x00,             // flags DF, fragment offset 0
    0x40,                   // TTL 64
    0x01,                   // protocol 1 (ICMP)
    0x3c, 0xbd,             // header checksum
    0x7f, 0x00, 0x00, 0x01, // source 127.0.0.1
    0x7f, 0x00, 0x00, 0x01, // destination 127.0.0.1
    // ICMP header
    0x03,                   // type 3 (destination unreachable)
    0x03,                   // code 3 (port unreachable)
    0xfb, 0x1e,             // checksum
    0x00, 0x00, 0x00, 0x00, // unused
    // quoted IPv4 header of the datagram that was refused
    0x45, 0x00, 0x00, 0x22, // version 4, IHL 5, total length 34
    0x00, 0x00, 0x40, 0x00, // identification 0, DF
    0x40, 0x11, 0x3c, 0xc9, // TTL 64, UDP, checksum
    0x7f, 0x00, 0x00, 0x01, // source 127.0.0.1
    0x7f, 0x00, 0x00, 0x01, // destination 127.0.0.1
    // quoted UDP header and payload
    0x9c, 0x40, 0x13, 0x89, // ports 40000 > 5001
    0x00, 0x0e, 0x0e, 0x2a, // length 14, checksum
    b'h', b'e', b'l', b'l', b'o', b'\n',
];
