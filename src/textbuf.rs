//! Numbers, times and addresses appended to a `String` without the `fmt`
//! machinery. Pure.
//!
//! `capture -r` writes two lines for every packet of a file that may hold
//! millions; through `write!` a third of its time went to `core::fmt`
//! (argument tables, padding checks, a `dyn Write` call per piece). These
//! helpers write exactly what `{}`, `{:06}`, `{:>N}` and `{:.6}` write for
//! the same values, which the tests below check on edge values.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// The decimal digits of `v`, as `{}` writes them.
pub fn push_u64(out: &mut String, v: u64) {
    push_u64_zeros(out, v, 0);
}

/// [`push_u64`] for a `u32`.
pub fn push_u32(out: &mut String, v: u32) {
    push_u64(out, u64::from(v));
}

/// "0000", "0001", ... "9999", one after the other: four digits per
/// division, copied with one `push_str`.
const QUAD_BYTES: &[u8] = &quads();
/// [`QUAD_BYTES`] as text (all ASCII digits).
const QUADS: &str = match std::str::from_utf8(QUAD_BYTES) {
    Ok(s) => s,
    Err(_) => panic!("digits are ASCII"),
};

const fn quads() -> [u8; 40_000] {
    let mut t = [0u8; 40_000];
    let mut i = 0;
    while i < 10_000 {
        t[4 * i] = b'0' + (i / 1000) as u8;
        t[4 * i + 1] = b'0' + (i / 100 % 10) as u8;
        t[4 * i + 2] = b'0' + (i / 10 % 10) as u8;
        t[4 * i + 3] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
}

/// The last `digits` (1 to 4) of `q` (below 10,000), with leading zeros.
fn push_quad(out: &mut String, q: u64, digits: usize) {
    let end = q as usize * 4 + 4;
    out.push_str(&QUADS[end - digits..end]);
}

/// `v` with leading zeros to `width` digits, as `{:0width$}` writes it.
pub fn push_u64_zeros(out: &mut String, v: u64, width: usize) {
    // Groups of four digits, most significant first: at most five.
    let mut groups = [0u64; 5];
    let mut n = 0;
    let mut rest = v;
    loop {
        groups[n] = rest % 10_000;
        rest /= 10_000;
        n += 1;
        if rest == 0 {
            break;
        }
    }
    let top = groups[n - 1];
    let top_digits = match top {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        _ => 4,
    };
    let digits = top_digits + 4 * (n - 1);
    for _ in digits..width {
        out.push('0');
    }
    push_quad(out, top, top_digits);
    for &g in groups[..n - 1].iter().rev() {
        push_quad(out, g, 4);
    }
}

/// Seconds and microseconds, `12.000345`, as `{}.{:06}` of
/// `d.as_secs()` and `d.subsec_micros()` writes them.
pub fn push_secs_micros(out: &mut String, d: Duration) {
    push_u64(out, d.as_secs());
    out.push('.');
    push_u64_zeros(out, u64::from(d.subsec_micros()), 6);
}

/// `t` as epoch seconds with six decimals, as `{:.6}` writes
/// `t.as_secs_f64()`.
///
/// For a whole number of microseconds (every libpcap file in microsecond
/// precision) and seconds below 2^31, that is `secs.micros` exactly: the
/// `f64` is within half a unit in its last place (< 1.2e-7 s there) of the
/// true value, which sits on the microsecond grid, so rounding to six
/// decimals lands back on it. Anything else goes through `{:.6}`.
pub fn push_epoch_6(out: &mut String, t: Duration) {
    if t.subsec_nanos() % 1000 == 0 && t.as_secs() < (1 << 31) {
        push_secs_micros(out, t);
    } else {
        let _ = write!(out, "{:.6}", t.as_secs_f64());
    }
}

/// `s` right-aligned in `width` characters, as `{:>width$}` writes it
/// (`s` is ASCII: its length is its width).
pub fn push_right(out: &mut String, s: &str, width: usize) {
    for _ in s.chars().count()..width {
        out.push(' ');
    }
    out.push_str(s);
}

/// An IPv4 address, as its `Display` writes it (`127.0.0.1`).
pub fn push_ipv4(out: &mut String, ip: Ipv4Addr) {
    let [a, b, c, d] = ip.octets();
    push_u64(out, u64::from(a));
    out.push('.');
    push_u64(out, u64::from(b));
    out.push('.');
    push_u64(out, u64::from(c));
    out.push('.');
    push_u64(out, u64::from(d));
}

/// A socket address, as its `Display` writes it: `127.0.0.1:5000`,
/// `[::1]:5000` (IPv6 through `Display` itself: rarer, and its shortest
/// form has rules of its own).
pub fn push_socket_addr(out: &mut String, a: &SocketAddr) {
    match a {
        SocketAddr::V4(v4) => {
            push_ipv4(out, *v4.ip());
            out.push(':');
            push_u64(out, u64::from(v4.port()));
        }
        SocketAddr::V6(_) => {
            let _ = write!(out, "{a}");
        }
    }
}

/// How many addresses [`AddrCache`] remembers.
const ADDR_SLOTS: usize = 8;

/// The last few socket addresses written, with their text: the packets of
/// a file come from a few connections at a time, each with the same two
/// addresses on every line, so most are copied, not formatted.
#[derive(Default)]
pub struct AddrCache {
    slots: Vec<(SocketAddr, String)>,
    next: usize,
}

impl AddrCache {
    /// Append `a` as [`push_socket_addr`] writes it.
    pub fn push(&mut self, out: &mut String, a: &SocketAddr) {
        if let Some((_, text)) = self.slots.iter().find(|(k, _)| k == a) {
            out.push_str(text);
            return;
        }
        let mut text = String::with_capacity(24);
        push_socket_addr(&mut text, a);
        out.push_str(&text);
        if self.slots.len() < ADDR_SLOTS {
            self.slots.push((*a, text));
        } else {
            // The oldest goes: a round robin is enough for a few live
            // connections.
            self.slots[self.next] = (*a, text);
            self.next = (self.next + 1) % ADDR_SLOTS;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Edge values of every width: 0, 1, each power of ten and the one
    /// below it, the type limits.
    fn edges() -> Vec<u64> {
        let mut v = vec![0, 1, 9, 10, 11, 99, 100, 101, 255, 256, 65535, 65536];
        let mut p = 1u64;
        for _ in 0..19 {
            p *= 10;
            v.extend([p - 1, p, p + 1]);
        }
        v.extend([
            u64::from(u32::MAX) - 1,
            u64::from(u32::MAX),
            u64::from(u32::MAX) + 1,
            u64::MAX - 1,
            u64::MAX,
        ]);
        v
    }

    #[test]
    fn integers_are_written_as_display_writes_them() {
        for v in edges() {
            let mut s = String::from("x");
            push_u64(&mut s, v);
            assert_eq!(s, format!("x{v}"));
            for width in [0, 1, 6, 10, 20, 24] {
                let mut s = String::new();
                push_u64_zeros(&mut s, v, width);
                assert_eq!(s, format!("{v:0width$}"), "{v} width {width}");
            }
        }
        for v in [0u32, 1, 9, 10, 4_294_967_295] {
            let mut s = String::new();
            push_u32(&mut s, v);
            assert_eq!(s, v.to_string());
        }
    }

    #[test]
    fn times_are_written_as_the_format_strings_write_them() {
        let secs = [
            0u64,
            1,
            9,
            59,
            1_796_184_107,
            (1 << 31) - 1,
            1 << 31,
            1 << 40,
        ];
        let nanos = [
            0u32,
            1_000,
            9_000,
            500_000,
            999_000,
            999_999_000,
            123_456_789,
            999_999_999,
            1,
            500,
        ];
        for &s in &secs {
            for &n in &nanos {
                let d = Duration::new(s, n);
                let mut a = String::new();
                push_secs_micros(&mut a, d);
                assert_eq!(a, format!("{}.{:06}", d.as_secs(), d.subsec_micros()));
                let mut b = String::new();
                push_epoch_6(&mut b, d);
                assert_eq!(b, format!("{:.6}", d.as_secs_f64()), "{d:?}");
            }
        }
        // Every microsecond of a few seconds near today's epoch and near
        // the 2^31 limit: the fast path must round as `{:.6}` does.
        for base in [1_796_184_107u64, (1 << 31) - 2] {
            for us in (0..2_000_000u32).step_by(7) {
                let d = Duration::new(base + u64::from(us / 1_000_000), (us % 1_000_000) * 1000);
                let mut b = String::new();
                push_epoch_6(&mut b, d);
                assert_eq!(b, format!("{:.6}", d.as_secs_f64()), "{d:?}");
            }
        }
    }

    #[test]
    fn padding_and_addresses_match_display() {
        for s in ["", "0.000000", "12.345678", "1234567890.1"] {
            let mut a = String::new();
            push_right(&mut a, s, 10);
            assert_eq!(a, format!("{s:>10}"));
        }
        let addrs: [SocketAddr; 6] = [
            "0.0.0.0:0".parse().unwrap(),
            "127.0.0.1:5000".parse().unwrap(),
            "255.255.255.255:65535".parse().unwrap(),
            "10.20.30.40:8".parse().unwrap(),
            "[::1]:443".parse().unwrap(),
            "[fe80::1%2]:22".parse().unwrap(),
        ];
        for a in addrs {
            let mut s = String::new();
            push_socket_addr(&mut s, &a);
            assert_eq!(s, a.to_string());
        }
        // More addresses than the cache holds, twice over, in an order
        // that reuses and evicts slots: always the address's own text.
        let mut cache = AddrCache::default();
        for round in 0..3u16 {
            for port in (0..20u16).chain((0..20).rev()) {
                let a = SocketAddr::from(([127, 0, 0, 1], port * 1000 + round));
                let b = addrs[usize::from(port) % addrs.len()];
                for x in [a, b, a] {
                    let mut s = String::from("> ");
                    cache.push(&mut s, &x);
                    assert_eq!(s, format!("> {x}"));
                }
            }
        }
    }
}
