//! What the link tells a capture: one JSON datagram per thing it did to a
//! frame (dropped, delayed, reordered, duplicated). The format is in
//! docs/protocol.md, "Link events"; this module makes it, and only it.

use std::net::SocketAddr;

use serde_json::{json, Map, Value};

use super::model::DropReason;
use crate::wire::{self, LinkType, Packet, TcpFlags};

/// The `"type"` of every link event.
pub const EVENT_TYPE: &str = "link";

/// What the link did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    Dropped(DropReason),
    /// Held on the wire (and in the queue) for this long.
    Delayed {
        delay_us: u64,
        queued_us: u64,
    },
    /// Left after `overtaken_by` later frames.
    Reordered {
        overtaken_by: u64,
    },
    /// A second copy was sent.
    Duplicated,
}

impl What {
    /// The `"what"` field.
    pub fn name(&self) -> &'static str {
        match self {
            What::Dropped(_) => "dropped",
            What::Delayed { .. } => "delayed",
            What::Reordered { .. } => "reordered",
            What::Duplicated => "duplicated",
        }
    }
}

/// The few facts about a frame that a capture needs to find it again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FrameFacts {
    /// `"tcp"`, `"udp"` or `"other"`.
    pub proto: &'static str,
    pub src: Option<SocketAddr>,
    pub dst: Option<SocketAddr>,
    /// TCP: the raw sequence and acknowledgement numbers and the flags.
    pub seq: Option<u32>,
    pub ack: Option<u32>,
    pub flags: Vec<&'static str>,
    /// TCP or UDP payload bytes.
    pub payload: Option<u32>,
    /// For anything else: what it is, in a few words (`ARP`, `ICMP echo request ...`).
    pub describe: Option<String>,
}

impl FrameFacts {
    /// Read an Ethernet frame (never fails: what cannot be decoded is
    /// described as such).
    pub fn of(frame: &[u8]) -> FrameFacts {
        match wire::decode(LinkType::Ethernet, frame) {
            Ok(Packet::Tcp(s)) => FrameFacts {
                proto: "tcp",
                src: Some(s.src),
                dst: Some(s.dst),
                seq: Some(s.seq.0),
                ack: Some(s.ack.0),
                flags: flag_names(s.flags),
                payload: Some(s.payload_len),
                describe: None,
            },
            Ok(Packet::Udp(d)) => FrameFacts {
                proto: "udp",
                src: Some(d.src),
                dst: Some(d.dst),
                payload: Some(d.payload_len),
                ..FrameFacts::default()
            },
            Ok(Packet::Other(what)) => FrameFacts {
                proto: "other",
                describe: Some(what),
                ..FrameFacts::default()
            },
            Err(e) => FrameFacts {
                proto: "other",
                describe: Some(format!("undecodable frame: {e}")),
                ..FrameFacts::default()
            },
        }
    }
}

fn flag_names(flags: TcpFlags) -> Vec<&'static str> {
    [
        (TcpFlags::SYN, "SYN"),
        (TcpFlags::ACK, "ACK"),
        (TcpFlags::FIN, "FIN"),
        (TcpFlags::RST, "RST"),
        (TcpFlags::PSH, "PSH"),
        (TcpFlags::URG, "URG"),
        (TcpFlags::ECE, "ECE"),
        (TcpFlags::CWR, "CWR"),
    ]
    .into_iter()
    .filter(|(bit, _)| flags.has(*bit))
    .map(|(_, name)| name)
    .collect()
}

/// One link event.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkEvent {
    /// When the link did it, in seconds since the Unix epoch (the clock of
    /// pcap timestamps): when the frame reached the link, except for
    /// `reordered`, which is when it finally left.
    pub t: f64,
    pub what: What,
    /// The hosts the frame went from and to (`"alice"`, `"bob"`).
    pub from: String,
    pub to: String,
    /// The frame's number in its direction, from 0: a frame's `delayed`
    /// and `reordered` events share it.
    pub id: u64,
    /// Bytes of the whole Ethernet frame.
    pub frame_len: usize,
    pub facts: FrameFacts,
}

impl LinkEvent {
    /// The JSON object, as sent.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(EVENT_TYPE));
        m.insert("t".into(), json!((self.t * 1e6).round() / 1e6));
        m.insert("what".into(), json!(self.what.name()));
        m.insert("from".into(), json!(self.from));
        m.insert("to".into(), json!(self.to));
        m.insert("id".into(), json!(self.id));
        m.insert("proto".into(), json!(self.facts.proto));
        let f = &self.facts;
        if let Some(src) = f.src {
            m.insert("src".into(), json!(src.to_string()));
        }
        if let Some(dst) = f.dst {
            m.insert("dst".into(), json!(dst.to_string()));
        }
        if let Some(seq) = f.seq {
            m.insert("seq".into(), json!(seq));
        }
        if let Some(ack) = f.ack {
            m.insert("ack".into(), json!(ack));
        }
        if f.proto == "tcp" {
            m.insert("flags".into(), json!(f.flags));
        }
        if let Some(p) = f.payload {
            m.insert("payload".into(), json!(p));
        }
        if let Some(d) = &f.describe {
            m.insert("describe".into(), json!(d));
        }
        m.insert("frame_len".into(), json!(self.frame_len));
        match self.what {
            What::Dropped(reason) => {
                m.insert("reason".into(), json!(reason.as_str()));
            }
            What::Delayed {
                delay_us,
                queued_us,
            } => {
                m.insert("delay_ms".into(), json!(delay_us as f64 / 1000.0));
                m.insert("queued_ms".into(), json!(queued_us as f64 / 1000.0));
            }
            What::Reordered { overtaken_by } => {
                m.insert("overtaken_by".into(), json!(overtaken_by));
            }
            What::Duplicated => {}
        }
        Value::Object(m)
    }

    /// The datagram: the JSON object as UTF-8, no newline.
    pub fn to_datagram(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An Ethernet frame carrying IPv4 + TCP from 10.203.0.1:5005 to
    /// 10.203.0.2:41000, seq 1000, ack 2000, flags PSH|ACK, 4 payload bytes.
    fn tcp_frame() -> Vec<u8> {
        let mut f = vec![
            0x02, 0, 0, 0, 0, 2, // destination MAC
            0x02, 0, 0, 0, 0, 1, // source MAC
            0x08, 0x00, // ethertype IPv4
            0x45, 0, 0, 44, // version 4, IHL 5, total length 20 + 20 + 4
            0, 1, 0x40, 0, // id 1, don't fragment
            64, 6, 0, 0, // TTL 64, protocol TCP, checksum (not checked)
            10, 203, 0, 1, // source
            10, 203, 0, 2, // destination
            0x13, 0x8d, 0xa0, 0x28, // ports 5005 -> 41000
            0, 0, 0x03, 0xe8, // seq 1000
            0, 0, 0x07, 0xd0, // ack 2000
            0x50, 0x18, 0x01, 0x00, // data offset 5, flags PSH|ACK, window 256
            0, 0, 0, 0, // checksum, urgent pointer
        ];
        f.extend_from_slice(b"hi!\n");
        f
    }

    #[test]
    fn a_dropped_tcp_segment_as_json() {
        let e = LinkEvent {
            t: 1_700_000_000.123_456_7,
            what: What::Dropped(DropReason::Random),
            from: "alice".into(),
            to: "bob".into(),
            id: 17,
            frame_len: 58,
            facts: FrameFacts::of(&tcp_frame()),
        };
        let v: Value = serde_json::from_slice(&e.to_datagram()).unwrap();
        assert_eq!(
            v,
            json!({
                "type": "link", "t": 1_700_000_000.123_457, "what": "dropped",
                "from": "alice", "to": "bob", "id": 17, "proto": "tcp",
                "src": "10.203.0.1:5005", "dst": "10.203.0.2:41000",
                "seq": 1000, "ack": 2000, "flags": ["ACK", "PSH"], "payload": 4,
                "frame_len": 58, "reason": "random loss"
            })
        );
    }

    #[test]
    fn delayed_reordered_and_duplicated_carry_their_details() {
        let facts = FrameFacts::of(&tcp_frame());
        let event = |what| LinkEvent {
            t: 1.5,
            what,
            from: "bob".into(),
            to: "alice".into(),
            id: 3,
            frame_len: 58,
            facts: facts.clone(),
        };
        let d = event(What::Delayed {
            delay_us: 50_250,
            queued_us: 1_200,
        })
        .to_json();
        assert_eq!(
            (d["what"].clone(), d["delay_ms"].clone()),
            (json!("delayed"), json!(50.25))
        );
        assert_eq!(d["queued_ms"], json!(1.2));
        let r = event(What::Reordered { overtaken_by: 2 }).to_json();
        assert_eq!(
            (r["what"].clone(), r["overtaken_by"].clone()),
            (json!("reordered"), json!(2))
        );
        let u = event(What::Duplicated).to_json();
        assert_eq!(u["what"], "duplicated");
        assert!(u.get("reason").is_none() && u.get("delay_ms").is_none());
    }

    #[test]
    fn a_frame_that_is_not_tcp_or_udp_is_described() {
        let arp = [0xffu8; 14];
        let facts = FrameFacts::of(&arp);
        assert_eq!(facts.proto, "other");
        assert!(facts.describe.is_some() && facts.src.is_none());
        let short = FrameFacts::of(&[1, 2, 3]);
        assert!(short.describe.unwrap().contains("undecodable"));
    }
}
