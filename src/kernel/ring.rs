//! The ring buffer's pages, as `per_cpu/cpuN/trace_pipe_raw` hands them out.
//!
//! Why raw pages and not the text of `trace_pipe`: only the binary records
//! carry every field. The text of the `fields` option prints the socket
//! pointer but shows IPv6 addresses and `tcp_send_reset`'s `sockaddr`s as
//! `<INVALID-SIZE>`, and the events' own print formats leave the pointer
//! out. Raw pages also cost the kernel nothing to format.
//!
//! A page (`events/header_page`) is a u64 timestamp, a `commit` word (bytes
//! of data used, plus two flags saying events were lost before this page),
//! then events. Each event starts with a 32-bit header (`events/header_event`):
//!
//! ```text
//! bits 0-4   type_len: 1..=28 data of type_len * 4 bytes follows
//!                      0      data length in the next u32 (then the data)
//!                      29     padding (discarded event or end of page)
//!                      30     time extend: delta += next u32 << 27
//!                      31     absolute time stamp (next u32 << 27 | delta)
//! bits 5-31  time_delta since the previous event (in clock units, ns)
//! ```
//!
//! Pure code: bytes in, records out; nothing here trusts a length it has
//! not checked against the page.

use super::format::PageLayout;

const TYPE_PADDING: u32 = 29;
const TYPE_TIME_EXTEND: u32 = 30;
const TYPE_TIME_STAMP: u32 = 31;
/// Largest `type_len` that means "data of type_len * 4 bytes".
const TYPE_DATA_MAX: u32 = 28;
/// Bits of `time_delta` in the event header.
const TS_SHIFT: u32 = 27;
/// An absolute time stamp carries 59 bits; the rest come from the page.
const TS_MSB: u64 = !((1u64 << 59) - 1);
/// `commit` flag: events were lost before this page.
const MISSED_EVENTS: u64 = 1 << 31;
/// `commit` flag: the number lost is stored after the data.
const MISSED_STORED: u64 = 1 << 30;
/// The bits of `commit` that are flags, not length.
const COMMIT_FLAGS: u64 = 0xffff_ffff_c000_0000;

/// One event record: when (in the instance's trace clock) and its bytes
/// (starting with `common_type`).
#[derive(Debug, PartialEq, Eq)]
pub struct Record<'a> {
    pub ts: u64,
    pub data: &'a [u8],
}

/// What one page held besides its records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageInfo {
    /// Records in the page.
    pub records: usize,
    /// The kernel lost events before this page (buffer full).
    pub missed: bool,
    /// How many, when the kernel stored the number.
    pub missed_count: u64,
    /// The page ended early because an event header pointed outside it.
    pub corrupt: bool,
}

/// Walk one page, calling `each` for every data record.
pub fn parse_page<'a>(
    page: &'a [u8],
    layout: &PageLayout,
    mut each: impl FnMut(Record<'a>),
) -> PageInfo {
    let mut info = PageInfo::default();
    let Some(mut ts) = read_u64(page, layout.timestamp_offset) else {
        info.corrupt = true;
        return info;
    };
    let commit = match layout.commit_size {
        4 => read_u32(page, layout.commit_offset).map(u64::from),
        _ => read_u64(page, layout.commit_offset),
    };
    let Some(commit) = commit else {
        info.corrupt = true;
        return info;
    };
    let len = (commit & !COMMIT_FLAGS) as usize;
    info.missed = commit & MISSED_EVENTS != 0;
    let data_end = layout.data_offset + len.min(layout.data_size);
    if commit & MISSED_STORED != 0 {
        info.missed_count = read_u64(page, data_end).unwrap_or(0);
    }
    let end = data_end.min(page.len());
    if data_end > page.len() {
        info.corrupt = true;
    }
    let mut pos = layout.data_offset;
    while pos + 4 <= end {
        let Some(header) = read_u32(page, pos) else {
            break;
        };
        let type_len = header & 0x1f;
        let delta = u64::from(header >> 5);
        let array0 = read_u32(page, pos + 4);
        match type_len {
            TYPE_PADDING => {
                // delta 0: the rest of the page is padding. Otherwise a
                // discarded event; as the kernel's reader does, its delta
                // is not added.
                let Some(a) = array0.filter(|_| delta != 0) else {
                    break;
                };
                pos = match pos.checked_add(4 + a as usize) {
                    Some(p) if p > pos => p,
                    _ => {
                        info.corrupt = true;
                        break;
                    }
                };
            }
            TYPE_TIME_EXTEND => {
                let Some(a) = array0 else {
                    info.corrupt = true;
                    break;
                };
                ts = ts.wrapping_add((u64::from(a) << TS_SHIFT) | delta);
                pos += 8;
            }
            TYPE_TIME_STAMP => {
                let Some(a) = array0 else {
                    info.corrupt = true;
                    break;
                };
                ts = fix_abs_ts((u64::from(a) << TS_SHIFT) | delta, ts);
                pos += 8;
            }
            0 => {
                // array[0] is the data length plus its own 4 bytes.
                let Some(a) = array0 else {
                    info.corrupt = true;
                    break;
                };
                let total = 4 + a as usize;
                let (start, stop) = (pos + 8, pos + total);
                if a < 4 || stop > end {
                    info.corrupt = true;
                    break;
                }
                ts = ts.wrapping_add(delta);
                each(Record {
                    ts,
                    data: &page[start..stop],
                });
                info.records += 1;
                pos = stop;
            }
            n => {
                debug_assert!(n <= TYPE_DATA_MAX);
                let stop = pos + 4 + n as usize * 4;
                if stop > end {
                    info.corrupt = true;
                    break;
                }
                ts = ts.wrapping_add(delta);
                each(Record {
                    ts,
                    data: &page[pos + 4..stop],
                });
                info.records += 1;
                pos = stop;
            }
        }
    }
    info
}

/// An absolute time stamp keeps only 59 bits; the top ones are those of
/// the time before it (the kernel's `rb_fix_abs_ts`).
fn fix_abs_ts(abs: u64, before: u64) -> u64 {
    let mut abs = abs;
    if before & TS_MSB != 0 {
        abs |= before & TS_MSB;
        if abs < before {
            abs = abs.wrapping_add(1 << 59);
        }
    }
    abs
}

fn read_u32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_ne_bytes(s.try_into().ok()?))
}

fn read_u64(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    Some(u64::from_ne_bytes(s.try_into().ok()?))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Build a page the way the kernel writes one.
    pub struct PageBuilder {
        pub bytes: Vec<u8>,
    }

    impl PageBuilder {
        pub fn new(ts: u64) -> PageBuilder {
            let mut bytes = vec![0u8; 4096];
            bytes[0..8].copy_from_slice(&ts.to_ne_bytes());
            PageBuilder {
                bytes: bytes[..16].to_vec(),
            }
        }
        fn header(&mut self, type_len: u32, delta: u32) {
            let h = (delta << 5) | type_len;
            self.bytes.extend_from_slice(&h.to_ne_bytes());
        }
        /// A data event; short ones use type_len, long ones array[0].
        pub fn event(&mut self, delta: u32, data: &[u8]) -> &mut Self {
            let padded = data.len().div_ceil(4) * 4;
            if padded <= 28 * 4 && !data.is_empty() {
                self.header((padded / 4) as u32, delta);
            } else {
                self.header(0, delta);
                self.bytes
                    .extend_from_slice(&((padded + 4) as u32).to_ne_bytes());
            }
            self.bytes.extend_from_slice(data);
            self.bytes.resize(self.bytes.len() + padded - data.len(), 0);
            self
        }
        pub fn extend(&mut self, delta: u64) -> &mut Self {
            self.header(TYPE_TIME_EXTEND, (delta & ((1 << 27) - 1)) as u32);
            self.bytes
                .extend_from_slice(&((delta >> 27) as u32).to_ne_bytes());
            self
        }
        pub fn absolute(&mut self, ts: u64) -> &mut Self {
            self.header(TYPE_TIME_STAMP, (ts & ((1 << 27) - 1)) as u32);
            self.bytes
                .extend_from_slice(&(((ts >> 27) & 0xffff_ffff) as u32).to_ne_bytes());
            self
        }
        /// A discarded event of `len` data bytes: array[0] counts itself.
        pub fn discarded(&mut self, delta: u32, len: u32) -> &mut Self {
            self.header(TYPE_PADDING, delta);
            self.bytes.extend_from_slice(&(len + 4).to_ne_bytes());
            self.bytes.resize(self.bytes.len() + len as usize, 0xee);
            self
        }
        /// The finished 4096-byte page, `commit` set to the data written.
        pub fn page(&self, flags: u64) -> Vec<u8> {
            let mut p = self.bytes.clone();
            let len = (p.len() - 16) as u64 | flags;
            p[8..16].copy_from_slice(&len.to_ne_bytes());
            p.resize(4096, 0);
            p
        }
    }

    fn collect(page: &[u8]) -> (Vec<(u64, Vec<u8>)>, PageInfo) {
        let mut out = Vec::new();
        let info = parse_page(page, &PageLayout::DEFAULT, |r| {
            out.push((r.ts, r.data.to_vec()))
        });
        (out, info)
    }

    #[test]
    fn short_and_long_events_with_deltas() {
        let long = vec![7u8; 200];
        let page = PageBuilder::new(1_000)
            .event(5, &[1, 2, 3, 4, 5, 6, 7, 8])
            .event(10, &long)
            .page(0);
        let (recs, info) = collect(&page);
        assert_eq!(info.records, 2);
        assert!(!info.missed && !info.corrupt);
        assert_eq!(recs[0], (1_005, vec![1, 2, 3, 4, 5, 6, 7, 8]));
        assert_eq!(recs[1].0, 1_015);
        assert_eq!(recs[1].1, long);
    }

    #[test]
    fn time_extends_stamps_and_discarded_events() {
        let t0 = 1_796_160_997_000_000_000u64; // a real tai time, above 2^59
        let page = PageBuilder::new(t0)
            .extend(3_000_000_000) // 3 s: too big for 27 bits
            .event(1, &[9; 4])
            .discarded(50, 12)
            .event(2, &[8; 4])
            .absolute(t0 + 10_000_000_000)
            .event(0, &[7; 4])
            .page(0);
        let (recs, info) = collect(&page);
        assert_eq!(info.records, 3);
        assert_eq!(recs[0].0, t0 + 3_000_000_001);
        // The discarded event's delta is not added (as the kernel reads it).
        assert_eq!(recs[1].0, t0 + 3_000_000_003);
        // The absolute stamp got its top bits back from the page's time.
        assert_eq!(recs[2].0, t0 + 10_000_000_000);
    }

    #[test]
    fn lost_events_are_flagged() {
        let mut b = PageBuilder::new(0);
        b.event(1, &[1; 4]);
        let mut page = b.page(MISSED_EVENTS | MISSED_STORED);
        // The count sits right after the data.
        let end = b.bytes.len();
        page[end..end + 8].copy_from_slice(&42u64.to_ne_bytes());
        let (recs, info) = collect(&page);
        assert_eq!(recs.len(), 1);
        assert!(info.missed);
        assert_eq!(info.missed_count, 42);
    }

    #[test]
    fn an_event_running_off_the_page_is_corrupt() {
        let mut page = PageBuilder::new(0).event(1, &[1; 8]).page(0);
        // Say the page holds 10 bytes: the 12-byte event does not fit.
        page[8..16].copy_from_slice(&10u64.to_ne_bytes());
        let (recs, info) = collect(&page);
        assert!(recs.is_empty());
        assert!(info.corrupt);
    }

    #[test]
    fn random_and_mutated_pages_never_panic() {
        let base = PageBuilder::new(77)
            .event(5, &[1; 24])
            .extend(1 << 30)
            .event(3, &[2; 120])
            .discarded(4, 8)
            .absolute(1 << 40)
            .event(1, &[3; 4])
            .page(0);
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for round in 0..5000 {
            let mut p = if round % 10 == 0 {
                (0..4096).map(|_| next() as u8).collect::<Vec<u8>>()
            } else {
                base.clone()
            };
            for _ in 0..(1 + round % 6) {
                let i = (next() as usize) % 200;
                p[i] = next() as u8;
            }
            let cut = if round % 7 == 0 {
                (next() as usize) % 4097
            } else {
                4096
            };
            let mut n = 0;
            let info = parse_page(&p[..cut], &PageLayout::DEFAULT, |r| {
                assert!(r.data.len() <= 4096);
                n += 1;
            });
            assert_eq!(info.records, n);
        }
    }
}
