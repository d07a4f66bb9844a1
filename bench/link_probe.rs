//! Probes for bench/link_accuracy.sh, each run on one host of a `twohost`
//! network (`twohost exec alice link_probe ...`), with or without root:
//!
//! ```text
//! link_probe flood IFACE DST_MAC SRC_IP DST_IP SECONDS [SIZE [PORT]]   UDP frames (to PORT, default 9) as fast as sendmmsg goes
//! link_probe echo ADDR:PORT                                      answer every datagram (until 5 s idle)
//! link_probe rtt ADDR:PORT COUNT                                 COUNT round trips; their times in ms
//! link_probe send ADDR:PORT COUNT PER_SECOND                     numbered datagrams
//! link_probe recv ADDR:PORT COUNT [READY_FILE]                   what arrived of COUNT numbered datagrams
//! ```
//!
//! Output is one JSON object on stdout.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::process::ExitCode;
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
        sum += u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An Ethernet + IPv4 + UDP frame of `size` bytes (UDP checksum 0: none),
/// to the discard port.
fn frame(
    dst: [u8; 6],
    src: [u8; 6],
    from: Ipv4Addr,
    to: Ipv4Addr,
    size: usize,
    port: u16,
) -> Vec<u8> {
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
    f.extend_from_slice(&9999u16.to_be_bytes());
    f.extend_from_slice(&port.to_be_bytes());
    f.extend_from_slice(&(ip_len - 20).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.resize(size, 0);
    f
}

fn flood(a: &[String]) -> Result<String, String> {
    let [iface, dst, from, to, secs, rest @ ..] = a else {
        return Err("flood IFACE DST_MAC SRC_IP DST_IP SECONDS [SIZE [PORT]]".into());
    };
    let dst = mac(dst).ok_or("bad MAC")?;
    let src = std::fs::read_to_string(format!("/sys/class/net/{iface}/address"))
        .ok()
        .and_then(|m| mac(m.trim()))
        .unwrap_or([2, 0, 0, 0, 0, 1]);
    let from: Ipv4Addr = from.parse().map_err(|_| "bad SRC_IP")?;
    let to: Ipv4Addr = to.parse().map_err(|_| "bad DST_IP")?;
    let secs: f64 = secs.parse().map_err(|_| "bad SECONDS")?;
    let size: usize = rest.first().and_then(|s| s.parse().ok()).unwrap_or(64);
    let port: u16 = rest.get(1).and_then(|s| s.parse().ok()).unwrap_or(9);
    let sock = PacketSocket::open(iface, 1 << 20).map_err(|e| e.to_string())?;
    let f = frame(dst, src, from, to, size, port);
    let batch: Vec<&[u8]> = (0..64).map(|_| f.as_slice()).collect();
    let start = Instant::now();
    let mut sent = 0u64;
    while start.elapsed() < Duration::from_secs_f64(secs) {
        sent += sock.send_batch(&batch).map_err(|e| e.to_string())? as u64;
    }
    let took = start.elapsed().as_secs_f64();
    Ok(format!(
        "{{\"sent\":{sent},\"seconds\":{took:.3},\"per_second\":{:.0}}}",
        sent as f64 / took
    ))
}

fn addr(text: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| format!("`{text}` is not ADDR:PORT"))
}

fn echo(a: &[String]) -> Result<String, String> {
    let s =
        UdpSocket::bind(addr(a.first().ok_or("echo ADDR:PORT")?)?).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let mut buf = [0u8; 2048];
    let mut n = 0u64;
    while let Ok((len, from)) = s.recv_from(&mut buf) {
        let _ = s.send_to(&buf[..len], from);
        n += 1;
    }
    Ok(format!("{{\"echoed\":{n}}}"))
}

fn rtt(a: &[String]) -> Result<String, String> {
    let [to, count] = a else {
        return Err("rtt ADDR:PORT COUNT".into());
    };
    let to = addr(to)?;
    let count: usize = count.parse().map_err(|_| "bad COUNT")?;
    let s = UdpSocket::bind("0.0.0.0:0").map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let mut buf = [0u8; 64];
    // One first, not counted: it may wait for ARP.
    s.send_to(b"warm", to).map_err(|e| e.to_string())?;
    s.recv_from(&mut buf)
        .map_err(|e| format!("no answer: {e}"))?;
    let mut ms = Vec::new();
    for i in 0..count as u32 {
        let start = Instant::now();
        s.send_to(&i.to_be_bytes(), to).map_err(|e| e.to_string())?;
        s.recv_from(&mut buf)
            .map_err(|e| format!("no answer: {e}"))?;
        ms.push(start.elapsed().as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut sorted = ms.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let mean = ms.iter().sum::<f64>() / ms.len() as f64;
    Ok(format!(
        "{{\"count\":{count},\"median_ms\":{median:.3},\"mean_ms\":{mean:.3},\"min_ms\":{:.3},\"max_ms\":{:.3}}}",
        sorted[0],
        sorted[sorted.len() - 1]
    ))
}

fn send(a: &[String]) -> Result<String, String> {
    let [to, count, rate] = a else {
        return Err("send ADDR:PORT COUNT PER_SECOND".into());
    };
    let to = addr(to)?;
    let count: u32 = count.parse().map_err(|_| "bad COUNT")?;
    let rate: f64 = rate.parse().map_err(|_| "bad PER_SECOND")?;
    let s = UdpSocket::bind("0.0.0.0:0").map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut payload = [0u8; 100];
    for i in 0..count {
        payload[..4].copy_from_slice(&i.to_be_bytes());
        s.send_to(&payload, to).map_err(|e| e.to_string())?;
        let due = Duration::from_secs_f64(f64::from(i + 1) / rate);
        if let Some(wait) = due.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
    }
    Ok(format!("{{\"sent\":{count}}}"))
}

fn recv(a: &[String]) -> Result<String, String> {
    let (at, count, ready) = match a {
        [at, count] => (at, count, None),
        [at, count, ready] => (at, count, Some(ready)),
        _ => return Err("recv ADDR:PORT COUNT [READY_FILE]".into()),
    };
    let count: u32 = count.parse().map_err(|_| "bad COUNT")?;
    let s = UdpSocket::bind(addr(at)?).map_err(|e| e.to_string())?;
    // Bound: the sender may start (the script waits for this file).
    if let Some(path) = ready {
        std::fs::write(path, "ready\n").map_err(|e| e.to_string())?;
    }
    // Waits up to 30 s for the first, then stops after 2 s of silence.
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let mut seen: BTreeMap<u32, u64> = BTreeMap::new();
    let (mut late, mut max) = (0u64, None::<u32>);
    let mut buf = [0u8; 2048];
    while let Ok((len, _)) = s.recv_from(&mut buf) {
        s.set_read_timeout(Some(Duration::from_secs(2)))
            .map_err(|e| e.to_string())?;
        if len < 4 {
            continue;
        }
        let seq = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
        let n = seen.entry(seq).or_insert(0);
        *n += 1;
        if *n == 1 && max.is_some_and(|m| m > seq) {
            late += 1;
        }
        max = max.max(Some(seq));
    }
    let missing = (0..count).filter(|q| !seen.contains_key(q)).count();
    let dups: u64 = seen.values().map(|c| c - 1).sum();
    Ok(format!(
        "{{\"expected\":{count},\"received\":{},\"missing\":{missing},\"duplicates\":{dups},\"late\":{late}}}",
        seen.len()
    ))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((mode, rest)) = args.split_first() else {
        eprintln!("usage: link_probe flood|echo|rtt|send|recv ...");
        return ExitCode::from(2);
    };
    let result = match mode.as_str() {
        "flood" => flood(rest),
        "echo" => echo(rest),
        "rtt" => rtt(rest),
        "send" => send(rest),
        "recv" => recv(rest),
        other => Err(format!("unknown mode `{other}`")),
    };
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("link_probe: {e}");
            ExitCode::FAILURE
        }
    }
}
