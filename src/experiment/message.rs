//! The experiment's message: a sequence number and a send time, padded to
//! `--size` bytes. Pure.
//!
//! ```text
//! offset  size  field
//!      0     4  magic "SLtu": ignore anything else that reaches the port
//!      4     4  kind: 0 data, 1 end of transfer, 2 warm-up (big-endian u32)
//!      8     8  seq: 0..N for data; for `end`, N, the number of data messages sent
//!     16     8  sent_ns: wall-clock time of the send() call, ns since 1970
//!     24   ...  padding up to --size bytes
//! ```
//!
//! The send time is wall-clock time (`CLOCK_REALTIME`), not a monotonic
//! clock: in the lossy scenario sender and receiver are two processes (in two
//! network namespaces of the same kernel), and only the wall clock is shared
//! between processes. Both read the same clock of the same machine, so
//! `received - sent` is a true one-way latency.

use std::time::{SystemTime, UNIX_EPOCH};

/// Bytes at the start of every message, so stray datagrams are not counted.
pub const MAGIC: [u8; 4] = *b"SLtu";
/// Length of the header; the smallest `--size` possible.
pub const HEADER_LEN: usize = 24;
/// Byte used to pad a message up to its size.
pub const PADDING: u8 = b'.';

/// Offsets of the header fields.
mod field {
    use std::ops::Range;
    pub const MAGIC: Range<usize> = 0..4;
    pub const KIND: Range<usize> = 4..8;
    pub const SEQ: Range<usize> = 8..16;
    pub const SENT_NS: Range<usize> = 16..24;
}

/// What a message is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One message of the workload.
    Data,
    /// The sender is done; `seq` holds how many data messages it sent.
    End,
    /// Sent before the workload so that ARP has resolved the receiver's
    /// address when the first data message leaves; not counted.
    Warmup,
}

impl Kind {
    fn code(self) -> u32 {
        match self {
            Kind::Data => 0,
            Kind::End => 1,
            Kind::Warmup => 2,
        }
    }

    fn from_code(code: u32) -> Option<Kind> {
        match code {
            0 => Some(Kind::Data),
            1 => Some(Kind::End),
            2 => Some(Kind::Warmup),
            _ => None,
        }
    }
}

/// The header of one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub kind: Kind,
    /// Sequence number (data) or count of data messages sent (end).
    pub seq: u64,
    /// Wall-clock time of the send, in nanoseconds since the Unix epoch.
    pub sent_ns: u64,
}

impl Header {
    /// Write the header into the first [`HEADER_LEN`] bytes of `buf`; the
    /// rest (the padding) is left as it is. `buf` must hold at least
    /// [`HEADER_LEN`] bytes (sizes are checked when the options are parsed).
    pub fn write(&self, buf: &mut [u8]) {
        buf[field::MAGIC].copy_from_slice(&MAGIC);
        buf[field::KIND].copy_from_slice(&self.kind.code().to_be_bytes());
        buf[field::SEQ].copy_from_slice(&self.seq.to_be_bytes());
        buf[field::SENT_NS].copy_from_slice(&self.sent_ns.to_be_bytes());
    }

    /// Read a header; `None` if `buf` is too short, lacks the magic or has
    /// an unknown kind (a stray datagram, not ours).
    pub fn read(buf: &[u8]) -> Option<Header> {
        if buf.len() < HEADER_LEN || buf[field::MAGIC] != MAGIC {
            return None;
        }
        let kind = u32::from_be_bytes(buf[field::KIND].try_into().ok()?);
        let seq = u64::from_be_bytes(buf[field::SEQ].try_into().ok()?);
        let sent_ns = u64::from_be_bytes(buf[field::SENT_NS].try_into().ok()?);
        Some(Header {
            kind: Kind::from_code(kind)?,
            seq,
            sent_ns,
        })
    }
}

/// A buffer of `size` bytes of padding, ready for [`Header::write`].
pub fn buffer(size: usize) -> Vec<u8> {
    vec![PADDING; size.max(HEADER_LEN)]
}

/// Wall-clock time now, in nanoseconds since the Unix epoch (0 if the clock
/// is set before 1970).
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_message_round_trips_and_keeps_its_padding() {
        let mut buf = buffer(32);
        let h = Header {
            kind: Kind::Data,
            seq: 7,
            sent_ns: 1_732_449_600_123_456_789,
        };
        h.write(&mut buf);
        #[rustfmt::skip]
        let expected: [u8; 32] = [
            b'S', b'L', b't', b'u',                  // magic
            0, 0, 0, 0,                              // kind: data
            0, 0, 0, 0, 0, 0, 0, 7,                  // seq 7
            0x18, 0x0a, 0xe5, 0xbb, 0x7e, 0xa0, 0x4d, 0x15, // sent_ns
            b'.', b'.', b'.', b'.', b'.', b'.', b'.', b'.', // padding
        ];
        assert_eq!(buf, expected);
        assert_eq!(Header::read(&buf), Some(h));
    }

    #[test]
    fn end_and_warmup_kinds_round_trip() {
        for kind in [Kind::End, Kind::Warmup] {
            let mut buf = buffer(HEADER_LEN);
            let h = Header {
                kind,
                seq: 10_000,
                sent_ns: 1,
            };
            h.write(&mut buf);
            assert_eq!(Header::read(&buf), Some(h));
        }
    }

    #[test]
    fn stray_or_short_datagrams_are_not_ours() {
        let mut buf = buffer(HEADER_LEN);
        Header {
            kind: Kind::Data,
            seq: 1,
            sent_ns: 1,
        }
        .write(&mut buf);
        assert_eq!(Header::read(&buf[..HEADER_LEN - 1]), None, "too short");
        let mut wrong_magic = buf.clone();
        wrong_magic[0] = b'X';
        assert_eq!(Header::read(&wrong_magic), None);
        let mut wrong_kind = buf.clone();
        wrong_kind[7] = 9;
        assert_eq!(Header::read(&wrong_kind), None);
        assert_eq!(Header::read(b"hello"), None);
    }
}
