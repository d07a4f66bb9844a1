//! The kernel's own counters of lost UDP datagrams, to show beside the count
//! the application makes (Linux).
//!
//! - `/proc/net/snmp`, line `Udp:`, field `RcvbufErrors` (`/proc/net/snmp6`,
//!   `Udp6RcvbufErrors`, for IPv6): datagrams that arrived for a socket whose
//!   receive buffer was full, so the kernel threw them away. It counts for
//!   the whole network namespace, so other programs can add to it; we report
//!   the difference between before and after a run.
//! - `/proc/net/udp` (`udp6`), column `drops`: the same drops counted on one
//!   socket only, found by its inode.
//!
//! The parsers are pure and take the file's text.

use std::io;
use std::net::SocketAddr;
use std::os::fd::RawFd;

/// `RcvbufErrors` from the text of `/proc/net/snmp` (IPv4): the `Udp:`
/// header line names the fields, the next `Udp:` line holds the values.
pub fn parse_snmp_rcvbuf_errors(text: &str) -> Option<u64> {
    let mut lines = text.lines().filter(|l| l.starts_with("Udp:"));
    let names = lines.next()?;
    let values = lines.next()?;
    let index = names.split_whitespace().position(|w| w == "RcvbufErrors")?;
    values.split_whitespace().nth(index)?.parse().ok()
}

/// `Udp6RcvbufErrors` from the text of `/proc/net/snmp6` (one `name value`
/// pair per line).
pub fn parse_snmp6_rcvbuf_errors(text: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let mut words = l.split_whitespace();
        (words.next()? == "Udp6RcvbufErrors").then(|| words.next()?.parse().ok())?
    })
}

/// The `drops` column of the socket with inode `inode` in the text of
/// `/proc/net/udp` or `/proc/net/udp6`.
pub fn parse_socket_drops(text: &str, inode: u64) -> Option<u64> {
    let header = text.lines().next()?;
    // The header has `tx_queue rx_queue` and `tm->when` where the rows have
    // one field each, so count columns from the end of the line: `inode`
    // is the fourth from the end (inode ref pointer drops).
    if !header.trim_end().ends_with("drops") {
        return None;
    }
    text.lines().skip(1).find_map(|row| {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        (n >= 4 && cols[n - 4].parse() == Ok(inode)).then(|| cols[n - 1].parse().ok())?
    })
}

/// The namespace-wide count of UDP datagrams dropped on full receive
/// buffers, for sockets of `addr`'s family.
pub fn udp_rcvbuf_errors(addr: &SocketAddr) -> io::Result<u64> {
    let (path, parse): (&str, fn(&str) -> Option<u64>) = match addr {
        SocketAddr::V4(_) => ("/proc/net/snmp", parse_snmp_rcvbuf_errors),
        SocketAddr::V6(_) => ("/proc/net/snmp6", parse_snmp6_rcvbuf_errors),
    };
    let text = std::fs::read_to_string(path)?;
    parse(&text).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("no UDP RcvbufErrors counter in {path}"),
        )
    })
}

/// The kernel's count of datagrams dropped on the socket `fd` (bound to
/// `addr`) because its receive buffer was full.
pub fn udp_socket_drops(fd: RawFd, addr: &SocketAddr) -> io::Result<u64> {
    // `/proc/self/fd/N` links to `socket:[INODE]`.
    let link = std::fs::read_link(format!("/proc/self/fd/{fd}"))?;
    let inode: u64 = link
        .to_str()
        .and_then(|s| s.strip_prefix("socket:["))
        .and_then(|s| s.strip_suffix(']'))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not a socket"))?;
    let path = match addr {
        SocketAddr::V4(_) => "/proc/net/udp",
        SocketAddr::V6(_) => "/proc/net/udp6",
    };
    let text = std::fs::read_to_string(path)?;
    parse_socket_drops(&text, inode).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("socket inode {inode} not in {path}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SNMP: &str = "\
Ip: Forwarding DefaultTTL InReceives
Ip: 1 64 1234
Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
Udp: 274 4 9812 291 9812 0 0 0 0
UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
UdpLite: 0 0 0 0 7 0 0 0 0
";

    #[test]
    fn rcvbuf_errors_is_read_from_the_udp_lines_not_udplite() {
        assert_eq!(parse_snmp_rcvbuf_errors(SNMP), Some(9812));
        assert_eq!(parse_snmp_rcvbuf_errors("Ip: a\nIp: 1\n"), None);
    }

    #[test]
    fn udp6_rcvbuf_errors_from_snmp6() {
        let text = "Udp6InDatagrams                 \t12\nUdp6RcvbufErrors                \t34\nUdp6SndbufErrors 0\n";
        assert_eq!(parse_snmp6_rcvbuf_errors(text), Some(34));
        assert_eq!(parse_snmp6_rcvbuf_errors("Udp6InErrors 1\n"), None);
    }

    #[test]
    fn socket_drops_found_by_inode() {
        let text = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            
  123: 0100007F:A1B2 00000000:0000 07 00000000:00034000 00:00000000 00000000     0        0 55501 2 0000000000000000 0
  456: 0100007F:C3D4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 55502 2 0000000000000000 9701
";
        assert_eq!(parse_socket_drops(text, 55502), Some(9701));
        assert_eq!(parse_socket_drops(text, 55501), Some(0));
        assert_eq!(parse_socket_drops(text, 1), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_fresh_socket_has_no_drops() {
        use std::os::fd::AsRawFd;
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = s.local_addr().unwrap();
        assert_eq!(udp_socket_drops(s.as_raw_fd(), &addr).unwrap(), 0);
        assert!(udp_rcvbuf_errors(&addr).is_ok());
    }
}
