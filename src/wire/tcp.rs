//! TCP: header, options, sequence-number arithmetic and the tcpdump one-liner.

use super::ip::IpPacket;
use super::{
    be16, be32, check_len, preview, DecodeError, Endpoint, Segment, SeqNum, TcpFlags, TcpOptions,
};
use pnet_packet::tcp::TcpPacket;
use std::fmt;
use std::net::SocketAddr;

/// Header sizes and field layout.
pub(crate) mod field {
    /// TCP header without options.
    pub const MIN_HEADER_LEN: usize = 20;
    /// The data offset counts 32-bit words.
    pub const DATA_OFFSET_UNIT: usize = 4;
    /// Options start right after the fixed header.
    pub const OPTIONS: usize = MIN_HEADER_LEN;
}

/// TCP option kinds and their lengths (RFC 9293, 7323, 2018).
pub(crate) mod option {
    pub const END: u8 = 0;
    pub const NOP: u8 = 1;
    pub const MSS: u8 = 2;
    pub const MSS_LEN: usize = 4;
    pub const WSCALE: u8 = 3;
    pub const WSCALE_LEN: usize = 3;
    pub const SACK_PERMITTED: u8 = 4;
    pub const SACK_PERMITTED_LEN: usize = 2;
    pub const SACK: u8 = 5;
    pub const TIMESTAMPS: u8 = 8;
    pub const TIMESTAMPS_LEN: usize = 10;
    /// TSval and TSecr within the timestamps option body.
    pub const TS_VAL: std::ops::Range<usize> = 0..4;
    pub const TS_ECR: std::ops::Range<usize> = 4..8;
    /// Kind and length bytes that start every option but END and NOP.
    pub const KIND_LEN_BYTES: usize = 2;
}

/// Decode the TCP segment carried by `ip`.
pub(crate) fn parse(ip: &IpPacket<'_>) -> Result<Segment, DecodeError> {
    const LAYER: &str = "TCP";
    let data = ip.payload;
    check_len(LAYER, field::MIN_HEADER_LEN, ip.payload_len, data.len())?;
    let Some(tcp) = TcpPacket::new(data) else {
        return Err(DecodeError::Truncated {
            layer: LAYER,
            need: field::MIN_HEADER_LEN,
            have: data.len(),
        });
    };
    let data_offset = usize::from(tcp.get_data_offset());
    let header_len = data_offset * field::DATA_OFFSET_UNIT;
    if header_len < field::MIN_HEADER_LEN {
        return Err(DecodeError::Malformed {
            layer: LAYER,
            what: super::Malformation::DataOffset { words: data_offset },
        });
    }
    check_len(LAYER, header_len, ip.payload_len, data.len())?;
    let payload = &data[header_len..];
    let payload_len = ip.payload_len - header_len;
    Ok(Segment {
        src: SocketAddr::new(ip.src, tcp.get_source()),
        dst: SocketAddr::new(ip.dst, tcp.get_destination()),
        seq: SeqNum(tcp.get_sequence()),
        ack: SeqNum(tcp.get_acknowledgement()),
        flags: TcpFlags(tcp.get_flags()),
        window: tcp.get_window(),
        options: parse_options(&data[field::OPTIONS..header_len]),
        // An IP length is at most 65535, so this never saturates.
        payload_len: u32::try_from(payload_len).unwrap_or(u32::MAX),
        preview: preview(payload),
        payload_truncated: payload.len() < payload_len,
    })
}

/// Parse the options we care about. Unknown kinds are skipped by their
/// length; an impossible length ends parsing (keeping what was found).
pub(crate) fn parse_options(mut bytes: &[u8]) -> TcpOptions {
    let mut options = TcpOptions::default();
    while let Some(&kind) = bytes.first() {
        match kind {
            option::END => break,
            option::NOP => {
                bytes = &bytes[1..];
                continue;
            }
            _ => {}
        }
        let Some(&length) = bytes.get(1) else { break };
        let length = usize::from(length);
        if length < option::KIND_LEN_BYTES || length > bytes.len() {
            break;
        }
        let body = &bytes[option::KIND_LEN_BYTES..length];
        let expected = match kind {
            option::MSS => option::MSS_LEN,
            option::WSCALE => option::WSCALE_LEN,
            option::SACK_PERMITTED => option::SACK_PERMITTED_LEN,
            option::TIMESTAMPS => option::TIMESTAMPS_LEN,
            // SACK blocks (for retransmissions) and unknown kinds: skip by length.
            option::SACK => length,
            _ => length,
        };
        if length != expected {
            break;
        }
        match kind {
            option::MSS => options.mss = Some(be16(body)),
            option::WSCALE => options.wscale = Some(body[0]),
            option::SACK_PERMITTED => options.sack_permitted = true,
            option::TIMESTAMPS => {
                let val = be32(&body[option::TS_VAL]);
                let ecr = be32(&body[option::TS_ECR]);
                options.timestamps = Some((val, ecr));
            }
            _ => {}
        }
        bytes = &bytes[length..];
    }
    options
}

impl SeqNum {
    /// `self + n` modulo 2^32.
    pub fn wrapping_add(self, n: u32) -> SeqNum {
        SeqNum(self.0.wrapping_add(n))
    }

    /// `self - n` modulo 2^32.
    pub fn wrapping_sub(self, n: u32) -> SeqNum {
        SeqNum(self.0.wrapping_sub(n))
    }

    /// Signed distance `self - other` modulo 2^32: positive when `self` is after.
    pub fn diff(self, other: SeqNum) -> i32 {
        self.0.wrapping_sub(other.0) as i32
    }

    /// How far `self` is past `base`, modulo 2^32 (relative sequence numbers).
    pub fn offset_from(self, base: SeqNum) -> u32 {
        self.0.wrapping_sub(base.0)
    }

    /// True when `self` comes strictly after `other` (RFC 9293 comparison).
    pub fn is_after(self, other: SeqNum) -> bool {
        self.diff(other) > 0
    }

    /// True when `self` comes strictly before `other`.
    pub fn is_before(self, other: SeqNum) -> bool {
        self.diff(other) < 0
    }

    /// True when `self` is `other` or after it.
    pub fn is_at_or_after(self, other: SeqNum) -> bool {
        self.diff(other) >= 0
    }

    /// True when `self` is `other` or before it.
    pub fn is_at_or_before(self, other: SeqNum) -> bool {
        self.diff(other) <= 0
    }

    /// True when `start <= self < start + len` modulo 2^32.
    pub fn in_window(self, start: SeqNum, len: u32) -> bool {
        self.offset_from(start) < len
    }

    /// The later of `self` and `other` in sequence space.
    pub fn latest(self, other: SeqNum) -> SeqNum {
        if other.is_after(self) {
            other
        } else {
            self
        }
    }
}

/// Flag bits in header order with the names a course uses.
const FLAG_NAMES: [(u8, &str); 8] = [
    (TcpFlags::FIN, "FIN"),
    (TcpFlags::SYN, "SYN"),
    (TcpFlags::RST, "RST"),
    (TcpFlags::PSH, "PSH"),
    (TcpFlags::ACK, "ACK"),
    (TcpFlags::URG, "URG"),
    (TcpFlags::ECE, "ECE"),
    (TcpFlags::CWR, "CWR"),
];

/// The order of a course label: what the segment does first, then ACK.
const LABEL_ORDER: [(u8, &str); 8] = [
    (TcpFlags::SYN, "SYN"),
    (TcpFlags::FIN, "FIN"),
    (TcpFlags::RST, "RST"),
    (TcpFlags::PSH, "PSH"),
    (TcpFlags::ACK, "ACK"),
    (TcpFlags::URG, "URG"),
    (TcpFlags::ECE, "ECE"),
    (TcpFlags::CWR, "CWR"),
];

/// tcpdump's flag letters, in tcpdump's (header) order.
const FLAG_LETTERS: [(u8, char); 8] = [
    (TcpFlags::FIN, 'F'),
    (TcpFlags::SYN, 'S'),
    (TcpFlags::RST, 'R'),
    (TcpFlags::PSH, 'P'),
    (TcpFlags::ACK, '.'),
    (TcpFlags::URG, 'U'),
    (TcpFlags::ECE, 'E'),
    (TcpFlags::CWR, 'W'),
];

impl TcpFlags {
    /// Every flag's bit and name, in header order (what [`TcpFlags::names`]
    /// picks from, for writers that need no `Vec`).
    pub const NAMES: [(u8, &'static str); 8] = FLAG_NAMES;

    /// Names of the set flags in header order: `["SYN", "ACK"]`.
    pub fn names(&self) -> Vec<&'static str> {
        FLAG_NAMES
            .iter()
            .filter(|(bit, _)| self.has(*bit))
            .map(|(_, name)| *name)
            .collect()
    }

    /// The course's name for the combination: `SYN-ACK`, `FIN-PSH-ACK`, `none`.
    pub fn label(&self) -> String {
        if self.0 == 0 {
            return "none".to_string();
        }
        let names: Vec<&str> = LABEL_ORDER
            .iter()
            .filter(|(bit, _)| self.has(*bit))
            .map(|(_, name)| *name)
            .collect();
        names.join("-")
    }
}

/// tcpdump's letters: `S.` for SYN-ACK, `FP.` for FIN-PSH-ACK, `none` for no flag.
impl fmt::Display for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("none");
        }
        for (bit, letter) in FLAG_LETTERS {
            if self.has(bit) {
                fmt::Write::write_char(f, letter)?;
            }
        }
        Ok(())
    }
}

impl TcpOptions {
    /// True when none of the options we keep was present.
    pub fn is_empty(&self) -> bool {
        *self == TcpOptions::default()
    }
}

/// tcpdump style, in the order Linux sends them on a SYN:
/// `mss 65495,sackOK,TS val 1 ecr 0,wscale 7` (NOPs and SACK blocks not shown).
impl fmt::Display for TcpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(mss) = self.mss {
            write!(f, "{sep}mss {mss}")?;
            sep = ",";
        }
        if self.sack_permitted {
            write!(f, "{sep}sackOK")?;
            sep = ",";
        }
        if let Some((val, ecr)) = self.timestamps {
            write!(f, "{sep}TS val {val} ecr {ecr}")?;
            sep = ",";
        }
        if let Some(wscale) = self.wscale {
            write!(f, "{sep}wscale {wscale}")?;
        }
        Ok(())
    }
}

impl Segment {
    /// A connection request: SYN without ACK.
    pub fn is_syn(&self) -> bool {
        self.flags.has(TcpFlags::SYN) && !self.flags.has(TcpFlags::ACK)
    }

    /// The answer to a connection request: SYN and ACK.
    pub fn is_syn_ack(&self) -> bool {
        self.flags.has(TcpFlags::SYN | TcpFlags::ACK)
    }

    /// FIN is set (the sender has no more data).
    pub fn is_fin(&self) -> bool {
        self.flags.has(TcpFlags::FIN)
    }

    /// RST is set (the connection is aborted or refused).
    pub fn is_rst(&self) -> bool {
        self.flags.has(TcpFlags::RST)
    }

    /// ACK is set, so `ack` is meaningful.
    pub fn has_ack(&self) -> bool {
        self.flags.has(TcpFlags::ACK)
    }

    /// ACK with no data and no SYN, FIN or RST (candidate duplicate ACK).
    pub fn is_bare_ack(&self) -> bool {
        self.has_ack()
            && self.payload_len == 0
            && self.flags.0 & (TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST) == 0
    }

    /// Sequence space used: payload bytes, plus one each for SYN and FIN.
    pub fn seq_len(&self) -> u32 {
        self.payload_len
            .wrapping_add(u32::from(self.flags.has(TcpFlags::SYN)))
            .wrapping_add(u32::from(self.flags.has(TcpFlags::FIN)))
    }

    /// The sequence number just after this segment (`seq + seq_len`, wrapping).
    pub fn seq_end(&self) -> SeqNum {
        self.seq.wrapping_add(self.seq_len())
    }
}

/// tcpdump's one-liner: `127.0.0.1.53312 > 127.0.0.1.5000: Flags [S.], seq 1,
/// ack 2, win 65495, options [mss 65495], length 0`.
impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} > {}: Flags [{}]",
            Endpoint(self.src),
            Endpoint(self.dst),
            self.flags
        )?;
        // Like tcpdump: the sequence number only when it means something.
        let uses_seq = self.flags.0 & (TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST) != 0;
        if self.payload_len > 0 || uses_seq {
            write!(f, ", seq {}", self.seq)?;
            if self.payload_len > 0 {
                write!(f, ":{}", self.seq.wrapping_add(self.payload_len))?;
            }
        }
        if self.has_ack() {
            write!(f, ", ack {}", self.ack)?;
        }
        write!(f, ", win {}", self.window)?;
        if !self.options.is_empty() {
            write!(f, ", options [{}]", self.options)?;
        }
        write!(f, ", length {}", self.payload_len)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_options;
    use crate::wire::testdata::{IPV4_TCP_SYN_ACK, IPV6_TCP_SYN};
    use crate::wire::{
        build, decode, DecodeError, LinkType, Packet, Segment, SeqNum, TcpFlags, TcpOptions,
        PREVIEW_BYTES,
    };

    fn segment(link: LinkType, bytes: &[u8]) -> Segment {
        match decode(link, bytes) {
            Ok(Packet::Tcp(segment)) => segment,
            other => panic!("expected a TCP segment, got {other:?}"),
        }
    }

    /// A v4 segment from 127.0.0.1:53312 to 127.0.0.1:5000.
    fn v4(seq: u32, ack: u32, flags: u8, options: &[u8], payload: &[u8]) -> Segment {
        let ip = build::tcp_v4(
            "127.0.0.1:53312".parse().unwrap(),
            "127.0.0.1:5000".parse().unwrap(),
            seq,
            ack,
            flags,
            512,
            options,
            payload,
        );
        segment(LinkType::Ipv4, &ip)
    }

    #[test]
    fn deconstruct_syn_ack() {
        let segment = segment(LinkType::Ipv4, &IPV4_TCP_SYN_ACK);
        assert_eq!(segment.src.to_string(), "127.0.0.1:53312");
        assert_eq!(segment.dst.to_string(), "127.0.0.1:5000");
        assert_eq!(segment.seq, SeqNum(1));
        assert_eq!(segment.ack, SeqNum(2));
        assert_eq!(segment.flags, TcpFlags(TcpFlags::SYN | TcpFlags::ACK));
        assert_eq!(segment.window, 65495);
        assert_eq!(
            segment.options,
            TcpOptions {
                mss: Some(65495),
                wscale: Some(7),
                sack_permitted: true,
                timestamps: Some((1, 0)),
            }
        );
        assert_eq!(segment.payload_len, 0);
        assert!(segment.preview.is_empty());
        assert!(!segment.payload_truncated);
        assert!(segment.is_syn_ack() && !segment.is_syn());
    }

    #[test]
    fn display_syn_ack_like_tcpdump() {
        assert_eq!(
            segment(LinkType::Ipv4, &IPV4_TCP_SYN_ACK).to_string(),
            "127.0.0.1.53312 > 127.0.0.1.5000: Flags [S.], seq 1, ack 2, win 65495, \
             options [mss 65495,sackOK,TS val 1 ecr 0,wscale 7], length 0"
        );
    }

    #[test]
    fn display_ipv6_syn_like_tcpdump() {
        assert_eq!(
            segment(LinkType::Ipv6, &IPV6_TCP_SYN).to_string(),
            "::1.53312 > ::1.5000: Flags [S], seq 1, win 65476, options [mss 65476], length 0"
        );
    }

    #[test]
    fn display_data_fin_rst_and_bare_ack() {
        let timestamps = [1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6]; // NOP NOP TS 5 6
        let push = TcpFlags::PSH | TcpFlags::ACK;
        assert_eq!(
            v4(2, 10, push, &timestamps, b"hello").to_string(),
            "127.0.0.1.53312 > 127.0.0.1.5000: Flags [P.], seq 2:7, ack 10, win 512, \
             options [TS val 5 ecr 6], length 5"
        );
        assert_eq!(
            v4(7, 10, TcpFlags::ACK, &[], b"").to_string(),
            "127.0.0.1.53312 > 127.0.0.1.5000: Flags [.], ack 10, win 512, length 0"
        );
        assert_eq!(
            v4(7, 10, TcpFlags::FIN | push, &[], b"bye").to_string(),
            "127.0.0.1.53312 > 127.0.0.1.5000: Flags [FP.], seq 7:10, ack 10, win 512, length 3"
        );
        assert_eq!(
            v4(7, 0, TcpFlags::RST, &[], b"").to_string(),
            "127.0.0.1.53312 > 127.0.0.1.5000: Flags [R], seq 7, win 512, length 0"
        );
        assert_eq!(
            v4(7, 0, 0, &[], b"").to_string(),
            "127.0.0.1.53312 > 127.0.0.1.5000: Flags [none], win 512, length 0"
        );
        // tcpdump prints seq a:b modulo 2^32.
        assert_eq!(
            v4(u32::MAX, 1, push, &[], b"ab").to_string(),
            "127.0.0.1.53312 > 127.0.0.1.5000: Flags [P.], seq 4294967295:1, ack 1, win 512, \
             length 2"
        );
    }

    #[test]
    fn flag_letters_names_and_labels() {
        let cases: [(u8, &str, &[&str], &str); 10] = [
            (TcpFlags::SYN, "S", &["SYN"], "SYN"),
            (
                TcpFlags::SYN | TcpFlags::ACK,
                "S.",
                &["SYN", "ACK"],
                "SYN-ACK",
            ),
            (TcpFlags::ACK, ".", &["ACK"], "ACK"),
            (
                TcpFlags::PSH | TcpFlags::ACK,
                "P.",
                &["PSH", "ACK"],
                "PSH-ACK",
            ),
            (
                TcpFlags::FIN | TcpFlags::ACK,
                "F.",
                &["FIN", "ACK"],
                "FIN-ACK",
            ),
            (
                TcpFlags::FIN | TcpFlags::PSH | TcpFlags::ACK,
                "FP.",
                &["FIN", "PSH", "ACK"],
                "FIN-PSH-ACK",
            ),
            (TcpFlags::RST, "R", &["RST"], "RST"),
            (
                TcpFlags::RST | TcpFlags::ACK,
                "R.",
                &["RST", "ACK"],
                "RST-ACK",
            ),
            (
                TcpFlags::SYN | TcpFlags::ECE | TcpFlags::CWR,
                "SEW",
                &["SYN", "ECE", "CWR"],
                "SYN-ECE-CWR",
            ),
            (0, "none", &[], "none"),
        ];
        for (bits, letters, names, label) in cases {
            let flags = TcpFlags(bits);
            assert_eq!(flags.to_string(), letters, "letters of {bits:#04x}");
            assert_eq!(flags.names(), names, "names of {bits:#04x}");
            assert_eq!(flags.label(), label, "label of {bits:#04x}");
        }
        assert_eq!(
            TcpFlags(0xff).names(),
            ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"]
        );
        assert_eq!(TcpFlags(0xff).label(), "SYN-FIN-RST-PSH-ACK-URG-ECE-CWR");
    }

    #[test]
    fn options_parse() {
        #[rustfmt::skip]
        let options = [
            0x02, 0x04, 0x05, 0xb4,             // MSS 1460
            0x01,                               // NOP
            0x03, 0x03, 0x0e,                   // window scale 14
            0x01, 0x01,                         // NOP NOP
            0x05, 0x0a,                         // SACK, one block (skipped)
            0x00, 0x00, 0x00, 0x10,             //   left edge 16
            0x00, 0x00, 0x00, 0x20,             //   right edge 32
            0x1e, 0x04, 0xab, 0xcd,             // kind 30 (MPTCP), unknown: skipped
            0x08, 0x0a,                         // timestamps
            0x00, 0x00, 0x01, 0x00,             //   TSval 256
            0x00, 0x00, 0x00, 0x07,             //   TSecr 7
            0x04, 0x02,                         // SACK permitted
            0x00,                               // end of options
            0x02, 0x04, 0x00, 0x01,             // (after EOL: ignored)
        ];
        assert_eq!(
            parse_options(&options),
            TcpOptions {
                mss: Some(1460),
                wscale: Some(14),
                sack_permitted: true,
                timestamps: Some((256, 7)),
            }
        );
    }

    #[test]
    fn bad_option_length_stops_parsing_but_keeps_the_segment() {
        let mss = [0x02, 0x04, 0x05, 0xb4]; // MSS 1460, good
        for bad in [
            &[0x03, 0x01, 0x07, 0x00][..], // length 1: less than kind + length
            &[0x03, 0x08, 0x07, 0x00][..], // length 8: past the end
            &[0x08, 0x04, 0x00, 0x00][..], // timestamps must be 10 long
            &[0x02, 0x03, 0x05, 0x01][..], // MSS must be 4 long
        ] {
            let options = [&mss[..], bad, &[0x03, 0x03, 0x07, 0x00][..]].concat();
            assert_eq!(
                parse_options(&options),
                TcpOptions {
                    mss: Some(1460),
                    ..TcpOptions::default()
                },
                "options {options:02x?}"
            );
            let segment = v4(1, 0, TcpFlags::SYN, &options, b"");
            assert_eq!(segment.options.mss, Some(1460));
        }
        // A kind byte with no length byte after it.
        assert_eq!(
            parse_options(&[0x02, 0x04, 0x05, 0xb4, 0x1e]).mss,
            Some(1460)
        );
    }

    #[test]
    fn data_offset_below_five_is_malformed() {
        let mut packet = IPV4_TCP_SYN_ACK.to_vec();
        packet[20 + 12] = 0x20; // data offset 2 words
        assert_eq!(
            decode(LinkType::Ipv4, &packet),
            Err(DecodeError::Malformed {
                layer: "TCP",
                what: crate::wire::Malformation::DataOffset { words: 2 }
            })
        );
    }

    #[test]
    fn header_longer_than_ip_payload_is_malformed() {
        let mut packet = IPV4_TCP_SYN_ACK.to_vec();
        packet[2..4].copy_from_slice(&[0x00, 0x30]); // total length 48: 28 for a 40-byte header
        assert_eq!(
            decode(LinkType::Ipv4, &packet),
            Err(DecodeError::Malformed {
                layer: "TCP",
                what: crate::wire::Malformation::LongerThanIp {
                    need: 40,
                    stated: 28
                }
            })
        );
    }

    #[test]
    fn header_cut_by_snaplen_is_truncated() {
        // Cut in the fixed header, then in the options.
        assert_eq!(
            decode(LinkType::Ipv4, &IPV4_TCP_SYN_ACK[..30]),
            Err(DecodeError::Truncated {
                layer: "TCP",
                need: 20,
                have: 10
            })
        );
        assert_eq!(
            decode(LinkType::Ipv4, &IPV4_TCP_SYN_ACK[..50]),
            Err(DecodeError::Truncated {
                layer: "TCP",
                need: 40,
                have: 30
            })
        );
    }

    #[test]
    fn payload_cut_by_snaplen_keeps_ip_length() {
        let payload: Vec<u8> = (0..200u8).collect();
        let ip = build::tcp_v4(
            "127.0.0.1:53312".parse().unwrap(),
            "127.0.0.1:5000".parse().unwrap(),
            1,
            1,
            TcpFlags::PSH | TcpFlags::ACK,
            512,
            &[],
            &payload,
        );
        let cut = segment(LinkType::Ipv4, &ip[..40 + 10]);
        assert_eq!(cut.payload_len, 200);
        assert_eq!(cut.preview, &payload[..10]);
        assert!(cut.payload_truncated);

        let whole = segment(LinkType::Ipv4, &ip);
        assert_eq!(whole.payload_len, 200);
        assert_eq!(whole.preview, &payload[..PREVIEW_BYTES]);
        assert!(!whole.payload_truncated);
    }

    #[test]
    fn seq_num_arithmetic_wraps() {
        let near_end = SeqNum(u32::MAX - 1);
        let wrapped = near_end.wrapping_add(5);
        assert_eq!(wrapped, SeqNum(3));
        assert_eq!(wrapped.wrapping_sub(5), near_end);
        assert_eq!(wrapped.diff(near_end), 5);
        assert_eq!(near_end.diff(wrapped), -5);
        assert_eq!(wrapped.offset_from(near_end), 5);
        assert!(wrapped.is_after(near_end));
        assert!(near_end.is_before(wrapped));
        assert!(wrapped.is_at_or_after(wrapped) && wrapped.is_at_or_before(wrapped));
        assert!(!wrapped.is_after(wrapped) && !wrapped.is_before(wrapped));
        assert!(SeqNum(1).in_window(near_end, 10));
        assert!(!SeqNum(8).in_window(near_end, 10));
        assert!(!SeqNum(u32::MAX - 2).in_window(near_end, 10));
        assert_eq!(near_end.latest(wrapped), wrapped);
        assert_eq!(wrapped.latest(near_end), wrapped);
        assert_eq!(SeqNum(7).latest(SeqNum(9)), SeqNum(9));
    }

    #[test]
    fn seq_end_counts_syn_and_fin() {
        assert_eq!(v4(100, 0, TcpFlags::SYN, &[], b"").seq_end(), SeqNum(101));
        assert_eq!(v4(100, 1, TcpFlags::ACK, &[], b"").seq_end(), SeqNum(100));
        assert_eq!(
            v4(
                100,
                1,
                TcpFlags::FIN | TcpFlags::PSH | TcpFlags::ACK,
                &[],
                b"abc"
            )
            .seq_end(),
            SeqNum(104)
        );
        assert_eq!(
            v4(u32::MAX, 1, TcpFlags::FIN, &[], b"").seq_end(),
            SeqNum(0)
        );
        assert!(v4(100, 1, TcpFlags::ACK, &[], b"").is_bare_ack());
        assert!(!v4(100, 1, TcpFlags::ACK, &[], b"x").is_bare_ack());
        assert!(!v4(100, 1, TcpFlags::FIN | TcpFlags::ACK, &[], b"").is_bare_ack());
    }
}
