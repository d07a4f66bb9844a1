//! Live captures on loopback: real sockets, captured by the real tool, read
//! back from `--json`. These need root (CI runs as root) and skip otherwise.

mod harness;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::Duration;

use harness::*;

/// A TCP server on `host:0` that runs `serve` on its one connection.
fn server(
    host: &str,
    serve: impl FnOnce(TcpStream) + Send + 'static,
) -> (u16, thread::JoinHandle<()>) {
    let l = TcpListener::bind(format!("{host}:0")).unwrap();
    let port = l.local_addr().unwrap().port();
    let h = thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        serve(s);
    });
    (port, h)
}

/// Read until the peer closes its side.
fn drain(s: &mut TcpStream) -> Vec<u8> {
    let mut v = Vec::new();
    let _ = s.read_to_end(&mut v);
    v
}

#[test]
fn client_close_is_classified_with_every_handshake_step() {
    if !can_capture("client_close_is_classified_with_every_handshake_step") {
        return;
    }
    let (port, h) = server("127.0.0.1", |mut s| {
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).unwrap();
        s.write_all(&buf[..n]).unwrap();
        drain(&mut s); // wait for the client's FIN, then close
    });
    let cap = LiveCapture::start("client-close", &["--port", &port.to_string()]);
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.write_all(b"hello\n").unwrap();
    let mut buf = [0u8; 6];
    c.read_exact(&mut buf).unwrap();
    drop(c);
    h.join().unwrap();
    let objs = cap.stop();
    let st = steps(&objs);
    assert_eq!(
        &st[..3],
        ["handshake-1", "handshake-2", "handshake-3"],
        "{st:?}"
    );
    assert!(st.contains(&"data".to_string()), "{st:?}");
    assert!(st.contains(&"teardown-1".to_string()), "{st:?}");
    let segs = of_type(&objs, "segment");
    // The SYN's relative seq is 0; the SYN-ACK acknowledges ISN + 1.
    assert_eq!(segs[0]["rel_seq"], 0);
    assert_eq!(segs[0]["flags"], serde_json::json!(["SYN"]));
    assert_eq!(segs[1]["rel_ack"], 1);
    assert_eq!(
        segs[1]["ack"].as_u64().unwrap(),
        (segs[0]["seq"].as_u64().unwrap() + 1) % (1 << 32)
    );
    assert_eq!(segs[2]["client_state"], "ESTABLISHED");
    assert_eq!(segs[2]["server_state"], "ESTABLISHED");
    let fin = segs.iter().find(|s| s["step"] == "teardown-1").unwrap();
    assert_eq!(fin["dir"], "c2s");
    assert_eq!(fin["client_state"], "FIN-WAIT-1");
    let conn = only_connection(&objs);
    assert_eq!(conn["handshake"], "complete");
    assert_eq!(conn["closed_by"], "client");
    assert!(
        conn["teardown"] == "three-way" || conn["teardown"] == "four-way",
        "{conn}"
    );
    assert_eq!(conn["bytes_c2s"], 6);
    assert_eq!(conn["bytes_s2c"], 6);
    let last = segs.last().unwrap();
    assert_eq!(last["step"], "teardown-4");
    assert_eq!(last["client_state"], "TIME-WAIT");
    assert_eq!(last["server_state"], "CLOSED");
}

#[test]
fn server_close_is_closed_by_the_server() {
    if !can_capture("server_close_is_closed_by_the_server") {
        return;
    }
    let (port, h) = server("127.0.0.1", |mut s| {
        s.write_all(b"bye\n").unwrap();
        // Server closes first.
    });
    let cap = LiveCapture::start("server-close", &["--port", &port.to_string()]);
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    assert_eq!(drain(&mut c), b"bye\n");
    drop(c);
    h.join().unwrap();
    let objs = cap.stop();
    let segs = of_type(&objs, "segment");
    let fin = segs.iter().find(|s| s["step"] == "teardown-1").unwrap();
    assert_eq!(fin["dir"], "s2c");
    assert_eq!(fin["server_state"], "FIN-WAIT-1");
    let conn = only_connection(&objs);
    assert_eq!(conn["closed_by"], "server");
}

#[test]
fn a_delayed_close_shows_four_separate_teardown_segments() {
    if !can_capture("a_delayed_close_shows_four_separate_teardown_segments") {
        return;
    }
    let (port, h) = server("127.0.0.1", |mut s| {
        drain(&mut s);
        // The kernel acknowledges the client's FIN at once; our close comes
        // much later, so FIN and ACK cannot travel in one segment.
        thread::sleep(Duration::from_millis(400));
    });
    let cap = LiveCapture::start("four-way", &["--port", &port.to_string()]);
    let c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    thread::sleep(Duration::from_millis(50));
    drop(c);
    h.join().unwrap();
    let objs = cap.stop();
    let st = steps(&objs);
    let tear: Vec<_> = st.iter().filter(|s| s.starts_with("teardown")).collect();
    assert_eq!(
        tear,
        ["teardown-1", "teardown-2", "teardown-3", "teardown-4"],
        "{st:?}"
    );
    let segs = of_type(&objs, "segment");
    let t2 = segs.iter().find(|s| s["step"] == "teardown-2").unwrap();
    assert_eq!(t2["client_state"], "FIN-WAIT-2");
    assert_eq!(t2["server_state"], "CLOSE-WAIT");
    let t3 = segs.iter().find(|s| s["step"] == "teardown-3").unwrap();
    assert_eq!(t3["server_state"], "LAST-ACK");
    assert_eq!(only_connection(&objs)["teardown"], "four-way");
}

#[test]
fn half_close_with_shutdown_lets_the_server_keep_sending() {
    if !can_capture("half_close_with_shutdown_lets_the_server_keep_sending") {
        return;
    }
    let (port, h) = server("127.0.0.1", |mut s| {
        let got = drain(&mut s); // until the client's FIN
        s.write_all(&got).unwrap(); // still allowed: half-close
        s.write_all(b"and goodbye\n").unwrap();
    });
    let cap = LiveCapture::start("half-close", &["--port", &port.to_string()]);
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.write_all(b"last words\n").unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let reply = drain(&mut c);
    assert_eq!(reply, b"last words\nand goodbye\n");
    drop(c);
    h.join().unwrap();
    let objs = cap.stop();
    let segs = of_type(&objs, "segment");
    let half = segs
        .iter()
        .find(|s| {
            s["dir"] == "s2c"
                && s["len"].as_u64().unwrap() > 0
                && s["labels"].to_string().to_lowercase().contains("half")
        })
        .unwrap_or_else(|| panic!("no half-close label on server data in {segs:#?}"));
    assert_eq!(half["client_state"], "FIN-WAIT-2");
    let conn = only_connection(&objs);
    assert_eq!(conn["closed_by"], "client");
    assert_eq!(conn["half_close"], true);
    assert_eq!(conn["bytes_s2c"], 23);
}

#[test]
fn linger_zero_close_is_a_reset_sent_by_the_client() {
    if !can_capture("linger_zero_close_is_a_reset_sent_by_the_client") {
        return;
    }
    let (port, h) = server("127.0.0.1", |mut s| {
        let _ = drain(&mut s);
    });
    let pcap = temp_path("reset.pcap");
    let cap = LiveCapture::start(
        "reset",
        &["--port", &port.to_string(), "-w", pcap.to_str().unwrap()],
    );
    let c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let sock = socket2::Socket::from(c);
    sock.set_linger(Some(Duration::ZERO)).unwrap();
    sock.send(b"x").unwrap();
    thread::sleep(Duration::from_millis(50));
    drop(sock); // close() with SO_LINGER 0: RST, no FIN
    h.join().unwrap();
    let objs = cap.stop();
    let st = steps(&objs);
    assert_eq!(st.last().unwrap(), "reset", "{st:?}");
    let segs = of_type(&objs, "segment");
    let rst = segs.last().unwrap();
    assert_eq!(rst["dir"], "c2s");
    assert!(rst["flags"].to_string().contains("RST"));
    assert_eq!(rst["client_state"], "CLOSED");
    assert_eq!(rst["server_state"], "CLOSED");
    let conn = only_connection(&objs);
    assert_eq!(conn["teardown"], "reset");
    assert_eq!(conn["closed_by"], "client");
    // After SIGTERM the -w file is complete: tcpdump reads every segment.
    if let Ok(td) = std::process::Command::new("tcpdump")
        .args(["-nn", "-r"])
        .arg(&pcap)
        .output()
    {
        assert!(
            td.status.success(),
            "{}",
            String::from_utf8_lossy(&td.stderr)
        );
        let lines = String::from_utf8_lossy(&td.stdout).lines().count();
        assert_eq!(lines, segs.len());
    }
    let _ = std::fs::remove_file(&pcap);
    let _ = std::fs::remove_file(socklab::capture::run::events_path(&pcap));
}

#[test]
fn connecting_to_a_closed_port_is_refused() {
    if !can_capture("connecting_to_a_closed_port_is_refused") {
        return;
    }
    let port = free_port();
    let cap = LiveCapture::start("refused", &["--port", &port.to_string()]);
    let err = TcpStream::connect(("127.0.0.1", port)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    let objs = cap.stop();
    assert_eq!(steps(&objs), ["handshake-1", "reset"]);
    let segs = of_type(&objs, "segment");
    assert_eq!(segs[1]["note_id"], "reset.refused");
    // Nothing listened: no server socket, on the SYN's line too.
    for s in &segs {
        assert_eq!(s["server_state"], "no-socket", "{s}");
    }
    let conn = only_connection(&objs);
    assert_eq!(conn["handshake"], "refused");
    assert_eq!(conn["teardown"], "reset");
}

#[test]
fn udp_datagrams_are_shown_without_handshake() {
    if !can_capture("udp_datagrams_are_shown_without_handshake") {
        return;
    }
    let srv = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = srv.local_addr().unwrap().port();
    let cap = LiveCapture::start("udp", &["--port", &port.to_string()]);
    let cli = UdpSocket::bind("127.0.0.1:0").unwrap();
    cli.send_to(b"ping", ("127.0.0.1", port)).unwrap();
    let mut buf = [0u8; 16];
    let (n, from) = srv.recv_from(&mut buf).unwrap();
    srv.send_to(&buf[..n], from).unwrap();
    cli.recv_from(&mut buf).unwrap();
    let objs = cap.stop();
    let d = of_type(&objs, "datagram");
    assert_eq!(d.len(), 2, "{objs:#?}");
    assert_eq!(d[0]["len"], 4);
    assert_eq!(addr(&d[0]["dst"]).port(), port);
    assert_eq!(addr(&d[1]["src"]).port(), port);
    assert!(d[0]["note"].as_str().unwrap().contains("handshake"));
    assert!(of_type(&objs, "segment").is_empty());
}

#[test]
fn ipv6_loopback_is_decoded_and_tracked() {
    if !can_capture("ipv6_loopback_is_decoded_and_tracked") {
        return;
    }
    if TcpListener::bind("[::1]:0").is_err() {
        eprintln!("skipping ipv6_loopback_is_decoded_and_tracked: no IPv6 loopback here");
        return;
    }
    let (port, h) = server("[::1]", |mut s| {
        let mut buf = [0u8; 16];
        let n = s.read(&mut buf).unwrap();
        s.write_all(&buf[..n]).unwrap();
        drain(&mut s);
    });
    let cap = LiveCapture::start("ipv6", &["--port", &port.to_string()]);
    let mut c = TcpStream::connect(("::1", port)).unwrap();
    c.write_all(b"v6\n").unwrap();
    let mut buf = [0u8; 3];
    c.read_exact(&mut buf).unwrap();
    drop(c);
    h.join().unwrap();
    let objs = cap.stop();
    let st = steps(&objs);
    assert_eq!(&st[..3], ["handshake-1", "handshake-2", "handshake-3"]);
    let conn = only_connection(&objs);
    assert!(conn["client"].as_str().unwrap().starts_with("[::1]:"));
    assert_eq!(conn["handshake"], "complete");
    assert_eq!(conn["closed_by"], "client");
}

#[test]
fn without_capture_privileges_the_error_says_how_to_get_them() {
    if !can_capture("without_capture_privileges_the_error_says_how_to_get_them") {
        return;
    }
    // Root can become an ordinary user to see what a student sees.
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(capture_bin())
        .args(["-c", "1"])
        .output();
    let Ok(out) = out else {
        eprintln!("skipping: setpriv (util-linux) is not installed");
        return;
    };
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("permission denied"), "{err}");
    assert!(
        err.contains("sudo") && err.contains("setcap cap_net_raw,cap_net_admin=eip"),
        "{err}"
    );

    let demo = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(capture_bin())
        .arg("demo")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&demo.stderr);
    assert_eq!(demo.status.code(), Some(1), "{err}");
    assert!(err.contains("capture demo --from-file"), "{err}");
}

#[test]
fn started_by_sudo_it_drops_to_the_invoking_user_once_the_capture_is_open() {
    if !can_capture("started_by_sudo_it_drops_to_the_invoking_user_once_the_capture_is_open") {
        return;
    }
    // The events socket is made once root is dropped: in a directory of
    // the user's own.
    let dir = dir_owned_by(65534);
    let events = dir.path().join("events.sock");
    let out = capture(&["-c", "0", "--json", "--port", &free_port().to_string()])
        .env("SUDO_UID", "65534")
        .env("SUDO_GID", "65534")
        .events(&events)
        .run();
    let err = &out.stderr;
    assert_eq!(out.code, Some(0), "{err}");
    assert!(err.contains("now running as user 65534"), "{err}");
    assert!(
        !err.contains("socket calls will not be shown"),
        "the user made the events socket: {err}"
    );
}

#[test]
fn a_program_run_under_capture_is_captured_until_it_exits() {
    if !can_capture("a_program_run_under_capture_is_captured_until_it_exits") {
        return;
    }
    let (port, h) = server("127.0.0.1", |mut s| {
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).unwrap();
        s.write_all(&buf[..n]).unwrap();
        drain(&mut s);
    });
    let p = port.to_string();
    let client = std::path::Path::new(capture_bin()).with_file_name("tcp_client");
    let out = capture(&["--json", "--port", &p, "--"])
        .arg(&client)
        .args([
            "--port",
            &p,
            "--message",
            "under capture",
            "--color",
            "never",
        ])
        .events(events_socket("program"))
        .run();
    h.join().unwrap();
    let err = &out.stderr;
    assert_eq!(out.code, Some(0), "{err}");
    // The program's own output stays visible, apart from the capture's (stderr, with a margin).
    assert!(err.contains("│ tcp_client │ reply: under capture"), "{err}");
    let objs: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let conn = only_connection(&objs);
    assert_eq!(conn["handshake"], "complete");
    assert_ne!(
        conn["teardown"], "open",
        "the grace period lets the teardown in"
    );
    assert!(of_type(&objs, "call")
        .iter()
        .any(|c| c["prog"] == "tcp_client"));
}

/// A live `capture --port PORT` whose standard output goes to `stdout`,
/// with its stderr collected; returns once it catches Ctrl-C.
fn stalled_capture(
    tag: &str,
    port: u16,
    stdout: std::process::Stdio,
) -> (
    std::process::Child,
    std::sync::Arc<std::sync::Mutex<String>>,
) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(capture_bin())
        .args(["--port", &port.to_string()])
        .env("SOCKLAB_EVENTS", events_socket(tag))
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let err = child.stderr.take().unwrap();
    let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    {
        let stderr = stderr.clone();
        thread::spawn(move || {
            for line in std::io::BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                let mut s = stderr.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
    }
    wait_for_sigint_handler(child.id());
    (child, stderr)
}

/// Resident memory limit for a capture under a flood: its kernel ring and
/// its queue (32 MiB each) and the rest, with room to spare. Without a
/// bound the queue grows by tens of MB a second.
const FLOOD_RSS_KB: u64 = 160 * 1024;

/// A UDP socket that never reads, to flood: the kernel drops what its
/// buffer cannot hold (after the capture saw it), and sends no ICMP.
fn udp_sink() -> (UdpSocket, u16) {
    let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sink.local_addr().unwrap().port();
    (sink, port)
}

/// Flood `port` for at most `secs` seconds, watching `pid`'s resident
/// memory; stops early if it goes over [`FLOOD_RSS_KB`]. Returns the peak
/// and the number of datagrams sent.
fn flood_watching(pid: u32, port: u16, secs: u64) -> (u64, u64) {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flood = udp_flood(port, stop.clone());
    let mut peak = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        thread::sleep(Duration::from_millis(100));
        let rss = proc_kb(pid, "VmRSS").unwrap_or(0);
        peak = peak.max(rss);
        if rss > FLOOD_RSS_KB {
            break;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let sent = flood.join().unwrap();
    (peak, sent)
}

#[test]
fn an_output_nobody_reads_keeps_memory_bounded_and_ctrl_c_still_ends_it() {
    if !can_capture("an_output_nobody_reads_keeps_memory_bounded_and_ctrl_c_still_ends_it") {
        return;
    }
    let (_sink, port) = udp_sink();
    // The pipe is kept open and never read: capture's writes block.
    let (mut child, stderr) = stalled_capture("unread", port, std::process::Stdio::piped());
    let pid = child.id();
    let before = proc_kb(pid, "VmRSS").unwrap_or(0);
    let (peak, sent) = flood_watching(pid, port, 6);
    let (status, took) = interrupt(&mut child, Duration::from_secs(10));
    eprintln!(
        "stdout not read: RSS {} MB before, {} MB peak under a flood of {sent} datagrams; ended {took:?} after SIGINT",
        before / 1024,
        peak / 1024
    );
    let err = stderr.lock().unwrap().clone();
    assert!(peak < FLOOD_RSS_KB, "peak RSS {peak} KiB; {err}");
    assert!(
        status.is_some(),
        "capture must end on Ctrl-C while its output is blocked; {err}"
    );
    // Give the stderr reader a moment to take the last lines.
    thread::sleep(Duration::from_millis(200));
    let err = stderr.lock().unwrap().clone();
    assert!(
        err.contains("dropped by capture"),
        "what the queue dropped is reported: {err}"
    );
    assert!(err.contains("nobody was reading the output"), "{err}");
    assert_eq!(status.unwrap().code(), Some(1), "{err}");
    drop(child.stdout.take());
}

#[test]
fn a_fifo_whose_reader_stalls_does_not_keep_ctrl_c_from_ending_the_capture() {
    if !can_capture("a_fifo_whose_reader_stalls_does_not_keep_ctrl_c_from_ending_the_capture") {
        return;
    }
    let dir = fresh_dir();
    let fifo = dir.path().join("out");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    // The reader opens the FIFO and never reads from it.
    use std::os::unix::fs::OpenOptionsExt;
    let reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let (_sink, port) = udp_sink();
    let (mut child, stderr) = stalled_capture("fifo", port, writer.into());
    let (peak, sent) = flood_watching(child.id(), port, 3);
    let (status, took) = interrupt(&mut child, Duration::from_secs(10));
    eprintln!(
        "FIFO not read: {} MB peak under a flood of {sent} datagrams; ended {took:?} after SIGINT",
        peak / 1024
    );
    let err = stderr.lock().unwrap().clone();
    assert!(peak < FLOOD_RSS_KB, "peak RSS {peak} KiB; {err}");
    assert!(
        status.is_some(),
        "capture must end on Ctrl-C while the FIFO is full; {err}"
    );
    drop(reader);
}

#[test]
fn a_second_ctrl_c_ends_the_capture_at_once() {
    if !can_capture("a_second_ctrl_c_ends_the_capture_at_once") {
        return;
    }
    let (_sink, port) = udp_sink();
    let (mut child, stderr) = stalled_capture("twice", port, std::process::Stdio::piped());
    flood_watching(child.id(), port, 1);
    // The first asks for a clean end, which takes a few hundred
    // milliseconds (the reader lingers for the kernel's last block, the
    // output is blocked); the second, 50 ms later from the same shell,
    // does not wait. (Two signals sent at the same instant could merge
    // into one: the kernel does not queue a second pending SIGINT.)
    let start = std::time::Instant::now();
    let pid = child.id();
    let _ = std::process::Command::new("sh")
        .args([
            "-c",
            &format!("kill -INT {pid}; sleep 0.05; kill -INT {pid}"),
        ])
        .status();
    let status = wait_timeout(&mut child, Duration::from_secs(10));
    eprintln!(
        "two SIGINTs 50 ms apart: ended {:?} after the first",
        start.elapsed()
    );
    let err = stderr.lock().unwrap().clone();
    let status = status.unwrap_or_else(|| panic!("still running after two SIGINTs; {err}"));
    assert_eq!(status.code(), Some(130), "{err}");
    drop(child.stdout.take());
}

#[test]
fn events_dated_far_from_the_clock_are_rejected_and_hold_nothing_back() {
    if !can_capture("events_dated_far_from_the_clock_are_rejected_and_hold_nothing_back") {
        return;
    }
    let srv = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = srv.local_addr().unwrap().port();
    let cap = LiveCapture::start("future", &["--port", &port.to_string()]);
    let now_us = socklab::events::now().as_micros() as u64;
    let day_us = 86_400_000_000u64;
    // Sent by this process under its own pid (the kernel's credentials
    // must match), only the time is wrong.
    let pid = std::process::id();
    let ev = |t_us: u64| {
        format!(
            r#"{{"v":1,"prog":"spoof","pid":{pid},"call":"send","phase":"enter","local":"127.0.0.1:1","peer":"127.0.0.1:2","result":"","t_us":{t_us}}}"#
        )
    };
    let s = std::os::unix::net::UnixDatagram::unbound().unwrap();
    const FUTURE: u64 = 20_000;
    for i in 0..FUTURE {
        // Blocking sends: none is lost in the socket's small queue.
        s.send_to(ev(now_us + day_us + i).as_bytes(), &cap.events)
            .unwrap();
    }
    s.send_to(
        ev(socklab::events::now().as_micros() as u64).as_bytes(),
        &cap.events,
    )
    .unwrap();
    let cli = UdpSocket::bind("127.0.0.1:0").unwrap();
    cli.send_to(b"after", ("127.0.0.1", port)).unwrap();
    let objs = cap.stop();
    let totals = of_type(&objs, "totals")[0];
    assert_eq!(totals["events_rejected"], FUTURE, "{totals}");
    assert_eq!(totals["events"], 1, "{totals}");
    assert_eq!(of_type(&objs, "datagram").len(), 1);
    assert_eq!(of_type(&objs, "call").len(), 1);
}
