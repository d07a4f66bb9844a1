//! A frame generator for bench/link_accuracy.sh: from inside a host's
//! namespace, put UDP frames on its veth as fast as `sendmmsg` goes, for a
//! given time, and say how many were sent. The link's own counters then
//! say how many it forwarded.
//!
//! Usage: link_flood NETNS IFACE DST_MAC SRC_IP DST_IP SECONDS [SIZE]
//! (root, or inside the private lab of `twohost`; see the script).

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use socklab::sys::linux::PacketSocket;

fn mac(text: &str) -> Option<[u8; 6]> {
    let parts: Vec<u8> = text
        .split(':')
        .map(|p| u8::from_str_radix(p, 16).ok())
        .collect::<Option<_>>()?;
    parts.try_into().ok()
}

fn checksum(bytes: &[u8]) -> u16 {
    let mut sum = 0u32;
    for pair in bytes.chunks(2) {
        let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An Ethernet + IPv4 + UDP frame of `size` bytes (UDP checksum 0: none).
fn frame(dst: [u8; 6], src: [u8; 6], from: Ipv4Addr, to: Ipv4Addr, size: usize) -> Vec<u8> {
    let size = size.max(60);
    let ip_len = (size - 14) as u16;
    let mut f = Vec::with_capacity(size);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&0x0800u16.to_be_bytes());
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&ip_len.to_be_bytes());
    ip.extend_from_slice(&[0, 0, 0x40, 0, 64, 17, 0, 0]);
    ip.extend_from_slice(&from.octets());
    ip.extend_from_slice(&to.octets());
    let c = checksum(&ip);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    f.extend_from_slice(&ip);
    let udp_len = ip_len - 20;
    f.extend_from_slice(&9999u16.to_be_bytes()); // source port
    f.extend_from_slice(&9u16.to_be_bytes()); // discard
    f.extend_from_slice(&udp_len.to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.resize(size, 0);
    f
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 7 {
        eprintln!("usage: link_flood NETNS IFACE DST_MAC SRC_IP DST_IP SECONDS [SIZE]");
        std::process::exit(2);
    }
    let (Some(dst), Ok(from), Ok(to), Ok(secs)) = (
        mac(&args[3]),
        args[4].parse::<Ipv4Addr>(),
        args[5].parse::<Ipv4Addr>(),
        args[6].parse::<f64>(),
    ) else {
        eprintln!("link_flood: bad MAC, address or duration");
        std::process::exit(2);
    };
    let size: usize = args.get(7).and_then(|s| s.parse().ok()).unwrap_or(64);
    let iface = args[2].clone();
    let result = socklab::netns::in_namespace(&args[1], move || {
        let src_mac = std::fs::read_to_string(format!("/sys/class/net/{iface}/address"))
            .ok()
            .and_then(|m| mac(m.trim()))
            .unwrap_or([2, 0, 0, 0, 0, 1]);
        let sock = PacketSocket::open(&iface, 1 << 20)?;
        let f = frame(dst, src_mac, from, to, size);
        let batch: Vec<&[u8]> = (0..64).map(|_| f.as_slice()).collect();
        let start = Instant::now();
        let mut sent = 0u64;
        while start.elapsed() < Duration::from_secs_f64(secs) {
            sent += sock.send_batch(&batch)? as u64;
        }
        Ok((sent, start.elapsed()))
    });
    match result {
        Ok((sent, took)) => println!(
            "sent {sent} frames in {:.3} s: {:.0} frames/s",
            took.as_secs_f64(),
            sent as f64 / took.as_secs_f64()
        ),
        Err(e) => {
            eprintln!("link_flood: {e}");
            std::process::exit(1);
        }
    }
}
