//! What a large or hostile input can do to `capture -r`: many connections,
//! a huge or disordered `.events` sidecar, a FIFO whose writer stalls.
//! Memory stays bounded, what is left out is said, Ctrl-C still works.
//! No privileges needed.

mod harness;

use std::io::Write;
use std::net::SocketAddrV4;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use harness::*;
use serde_json::Value;
use socklab::wire::{build, LinkType, TcpFlags};

/// A pcap of `n` short TCP connections one after the other: handshake,
/// five bytes each way, FIN/ACK teardown (eight segments each).
fn many_connections(n: u32) -> Vec<u8> {
    let mut frames = Vec::with_capacity(n as usize * 8);
    let mut t = Duration::from_secs(1_700_000_000);
    for i in 0..n {
        // Distinct 4-tuples: 50,000 client ports per server port.
        let c: SocketAddrV4 = format!("127.0.0.1:{}", 10_000 + i % 50_000)
            .parse()
            .unwrap();
        let s: SocketAddrV4 = format!("127.0.0.2:{}", 5_000 + i / 50_000).parse().unwrap();
        let (ci, si) = (1_000, 9_000);
        let (a, p, f, syn) = (TcpFlags::ACK, TcpFlags::PSH, TcpFlags::FIN, TcpFlags::SYN);
        let segs: [(bool, u32, u32, u8, &[u8]); 8] = [
            (true, ci, 0, syn, b""),
            (false, si, ci + 1, syn | a, b""),
            (true, ci + 1, si + 1, a, b""),
            (true, ci + 1, si + 1, p | a, b"hello"),
            (false, si + 1, ci + 6, p | a, b"hello"),
            (true, ci + 6, si + 6, f | a, b""),
            (false, si + 6, ci + 7, f | a, b""),
            (true, ci + 7, si + 7, a, b""),
        ];
        for (from_client, seq, ack, flags, payload) in segs {
            let (src, dst) = if from_client { (c, s) } else { (s, c) };
            let ip = build::tcp_v4(src, dst, seq, ack, flags, 65_495, &[], payload);
            t += Duration::from_micros(100);
            frames.push((t, build::ethernet(&ip)));
        }
        t += Duration::from_millis(1);
    }
    let refs: Vec<(Duration, &[u8])> = frames.iter().map(|(t, f)| (*t, f.as_slice())).collect();
    build::pcap_file(LinkType::Ethernet, &refs)
}

/// Memory a capture of a few connections needs, with room to spare; the
/// connections' number must not raise it.
const BOUNDED_KB: u64 = 48 * 1024;

#[test]
fn ladder_and_svg_of_many_connections_stay_small_and_say_what_was_left_out() {
    const CONNS: u32 = 30_000;
    let dir = fresh_dir();
    let pcap = dir.path().join("many.pcap");
    std::fs::write(&pcap, many_connections(CONNS)).unwrap();
    let pcap = pcap.to_str().unwrap();
    let left_out = format!(
        "... and {} more connections or flows not drawn",
        CONNS - 1000
    );

    let (code, out, err, peak) = run_capture_peak(&["-r", pcap, "--ladder"]);
    assert_eq!(code, 0, "{err}");
    eprintln!(
        "--ladder of {CONNS} connections: peak {} MB, {} bytes of output",
        peak / 1024,
        out.len()
    );
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("client 127.0.0.1:"))
            .count(),
        1000,
        "1000 diagrams, as the table lists 1000 connections"
    );
    assert!(
        out.contains(&left_out),
        "{}",
        &out[out.len().saturating_sub(2000)..]
    );
    assert!(peak < BOUNDED_KB, "peak {peak} KiB");

    let svg = dir.path().join("many.svg");
    let (code, _, err, peak) = run_capture_peak(&["-r", pcap, "--svg", svg.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    eprintln!(
        "--svg of {CONNS} connections: peak {} MB, {} bytes of SVG",
        peak / 1024,
        text.len()
    );
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let diagrams = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("diagram"))
        .count();
    assert_eq!(diagrams, 1000);
    assert!(text.contains(&left_out));
    assert!(peak < BOUNDED_KB, "peak {peak} KiB");

    // --conn keeps only the chosen one, in the SVG and in the ladder.
    let (code, _, err, peak) = run_capture_peak(&[
        "-r",
        pcap,
        "--svg",
        svg.to_str().unwrap(),
        "--conn",
        "29999",
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(text.matches("class=\"diagram\"").count(), 1);
    assert!(text.contains("id=\"#29999\""));
    assert!(!text.contains("not drawn"));
    assert!(peak < BOUNDED_KB, "peak {peak} KiB");
    let (code, out, err, _) = run_capture_peak(&["-r", pcap, "--ladder", "--conn", "29999"]);
    assert_eq!(code, 0, "{err}");
    let heads: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("client 127.0.0.1:"))
        .collect();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(heads[0].starts_with("#29999"));
    assert_eq!(
        out.matches('▶').count(),
        5,
        "its five segments to the server"
    );
    assert_eq!(
        out.matches('◀').count(),
        3,
        "its three segments to the client"
    );
}

/// A `.events` line as `capture -w` writes it.
fn event_line(t_us: u64) -> String {
    format!(
        r#"{{"v":1,"prog":"tcp_server","pid":4242,"call":"bind","phase":"return","local":null,"peer":null,"result":"ok","t_us":{t_us}}}"#
    )
}

#[test]
fn a_huge_reversed_sidecar_is_sorted_capped_and_counted() {
    let dir = fresh_dir();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let pcap = dir.path().join("demo.pcap");
    std::fs::copy(data.join("demo.pcap"), &pcap).unwrap();
    let demo_events = std::fs::read_to_string(data.join("demo.pcap.events")).unwrap();
    let demo_lines = demo_events.lines().count() as u64;
    let first: u64 = serde_json::from_str::<Value>(demo_events.lines().next().unwrap()).unwrap()
        ["t_us"]
        .as_u64()
        .unwrap();
    // The recording's own events, then more than the cap, newest first,
    // spread over the same second, then a line of garbage and one too long.
    const EXTRA: u64 = 105_000;
    let cap = socklab::capture::run::MAX_SIDECAR_EVENTS as u64;
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(socklab::capture::run::events_path(&pcap)).unwrap(),
    );
    f.write_all(demo_events.as_bytes()).unwrap();
    for i in (0..EXTRA).rev() {
        writeln!(f, "{}", event_line(first + i * 5)).unwrap();
    }
    writeln!(f, "not an event").unwrap();
    writeln!(f, "{}", "x".repeat(10_000)).unwrap();
    drop(f);

    let (code, out, err, peak) = run_capture_peak(&["-r", pcap.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    eprintln!(
        "{} events in the sidecar: peak {} MB",
        demo_lines + EXTRA,
        peak / 1024
    );
    let objs: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let totals = of_type(&objs, "totals")[0];
    assert_eq!(totals["events"], cap, "{totals}");
    assert_eq!(totals["events_dropped"], demo_lines + EXTRA - cap);
    assert_eq!(totals["events_rejected"], 2);
    let calls = of_type(&objs, "call");
    assert_eq!(calls.len() as u64, cap);
    let times: Vec<f64> = calls.iter().map(|c| c["t"].as_f64().unwrap()).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "calls in time order"
    );
    // The recording's own calls are still placed and attributed.
    let connect = objs
        .iter()
        .find(|o| o["call"] == "connect" && o["phase"] == "enter")
        .unwrap();
    assert_eq!(connect["relation"], "-> SYN");
    assert_eq!(connect["conn"], 1);
}

#[test]
fn reading_a_fifo_whose_writer_stalls_still_ends_on_ctrl_c() {
    let dir = fresh_dir();
    let fifo = dir.path().join("stalled.pcap");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipping: mkfifo (coreutils) is not available");
        return;
    }
    let mut child = Command::new(capture_bin())
        .args(["-r", fifo.to_str().unwrap(), "--json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Three SYNs, and then the writer goes quiet without closing: capture
    // waits in read(2) for the next packet.
    let c: SocketAddrV4 = "127.0.0.1:40000".parse().unwrap();
    let s: SocketAddrV4 = "127.0.0.1:5000".parse().unwrap();
    let frames: Vec<Vec<u8>> = (0..3)
        .map(|i| {
            build::ethernet(&build::tcp_v4(
                c,
                s,
                100 + i,
                0,
                TcpFlags::SYN,
                100,
                &[],
                &[],
            ))
        })
        .collect();
    let refs: Vec<(Duration, &[u8])> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| (Duration::from_secs(1_700_000_000 + i as u64), f.as_slice()))
        .collect();
    let mut writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    writer
        .write_all(&build::pcap_file(LinkType::Ethernet, &refs))
        .unwrap();
    writer.flush().unwrap();
    wait_for_sigint_handler(child.id());
    std::thread::sleep(Duration::from_millis(300));
    let (status, took) = interrupt(&mut child, Duration::from_secs(10));
    eprintln!("-r from a stalled FIFO: ended {took:?} after SIGINT");
    let status = status.expect("capture must end on Ctrl-C even while its input is blocked");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    assert!(status.success(), "{status:?}");
    let objs: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(of_type(&objs, "segment").len(), 3, "what was read is shown");
    assert_eq!(of_type(&objs, "totals")[0]["packets"], 3);
    drop(writer);
}
