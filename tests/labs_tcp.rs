//! tcp_server and tcp_client, run as a student runs them, on free loopback ports.

mod harness;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use harness::*;
use socklab::events::{CallEvent, Phase};

/// Client arguments to reach `addr`, waiting long for replies (busy CI).
fn client_args(addr: SocketAddr) -> Vec<String> {
    vec![
        "--host".into(),
        addr.ip().to_string(),
        "--port".into(),
        addr.port().to_string(),
    ]
}

/// Run tcp_client against `addr` with `extra` arguments and `stdin`.
fn client(addr: SocketAddr, extra: &[&str], stdin: &[u8]) -> Finished {
    let mut args = client_args(addr);
    if !extra.contains(&"--timeout") {
        args.extend(["--timeout".to_string(), "60".to_string()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run("tcp_client", &args, stdin)
}

/// A plain std client: connect, with generous timeouts.
fn connect(addr: SocketAddr) -> (TcpStream, BufReader<TcpStream>) {
    let stream = TcpStream::connect(addr).expect("connect to tcp_server");
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.set_write_timeout(Some(WAIT)).unwrap();
    let reader = BufReader::new(stream.try_clone().unwrap());
    (stream, reader)
}

fn read_reply(reader: &mut BufReader<TcpStream>) -> Vec<u8> {
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line).expect("a reply line");
    line
}

#[test]
fn echo_mode_sends_each_line_back_and_narrates_the_calls() {
    let (server, addr) = Running::server("tcp_server", &["--mode", "echo"]);
    let out = client(
        addr,
        &["--message", "hello", "--message", "second line"],
        b"",
    );
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_contains(&out.stdout, "reply: hello\n");
    assert_contains(&out.stdout, "reply: second line\n");
    assert_contains(&out.stdout, "socket(AF_INET, SOCK_STREAM) -> ok\n");
    assert_contains(&out.stdout, &format!("connect({addr}) -> ok\n"));
    assert_contains(&out.stdout, "send(\"hello\\n\") -> 6 bytes\n");
    assert_contains(&out.stdout, "recv() -> 6 bytes \"hello\\n\"\n");
    assert!(out.stdout.ends_with("close()\n"), "{}", out.stdout);

    server.wait_line("[client 1] recv() -> 0 bytes: peer closed its side (FIN received)");
    let narration = server.stdout();
    for line in [
        "socket(AF_INET, SOCK_STREAM) -> ok",
        "setsockopt(SO_REUSEADDR, 1) -> ok",
        "bind(127.0.0.1:0) -> ok",
        "listen(backlog=5) -> ok",
        &format!("listening on {addr}"),
        "[client 1] recv() -> 6 bytes \"hello\\n\"",
        "[client 1] send(\"hello\\n\") -> 6 bytes",
    ] {
        assert_contains(&narration, line);
    }
    assert_contains(&narration, "accept() -> new socket for 127.0.0.1:");
}

#[test]
fn ack_mode_answers_message_received() {
    let (_server, addr) = Running::server("tcp_server", &["--mode", "ack"]);
    let out = client(addr, &["-m", "one", "-m", "two", "--quiet"], b"");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_eq!(
        out.stdout,
        "reply: message received\nreply: message received\n"
    );
}

#[test]
fn print_mode_prints_lines_and_the_client_reports_no_reply() {
    let (server, addr) = Running::server("tcp_server", &["--mode", "print"]);
    let out = client(
        addr,
        &["-m", "for the screen", "--timeout", "300ms", "--quiet"],
        b"",
    );
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_contains(&out.stdout, "no reply within 300ms");
    server.wait_line("[client 1] for the screen");
}

#[test]
fn quiet_hides_narration_but_not_output() {
    let (server, addr) = Running::server("tcp_server", &["--quiet"]);
    let out = client(addr, &["--quiet", "-m", "hi"], b"");
    assert_eq!(out.stdout, "reply: hi\n");
    thread::sleep(Duration::from_millis(200));
    assert_eq!(server.stdout(), format!("listening on {addr}\n"));
}

#[test]
fn stdin_lines_are_sent_until_end_of_file() {
    let (_server, addr) = Running::server("tcp_server", &[]);
    let out = client(addr, &["--quiet"], b"first\nsecond\r\nthird\n");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_eq!(out.stdout, "reply: first\nreply: second\nreply: third\n");
}

/// `n` clients at once, `lines` lines each; every reply must match.
fn concurrent_echo_clients(addr: SocketAddr, n: usize, lines: usize) {
    let start = Arc::new(Barrier::new(n));
    let clients: Vec<_> = (0..n)
        .map(|c| {
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                let (mut stream, mut reader) = connect(addr);
                for l in 0..lines {
                    let line = format!("client {c} line {l}\n");
                    stream.write_all(line.as_bytes()).unwrap();
                    assert_eq!(String::from_utf8(read_reply(&mut reader)).unwrap(), line);
                }
            })
        })
        .collect();
    let failed = clients.into_iter().filter_map(|c| c.join().err()).count();
    assert_eq!(
        failed, 0,
        "{failed} of {n} clients did not get every line back"
    );
}

#[test]
fn fifty_concurrent_clients_are_all_answered() {
    let (server, addr) = Running::server("tcp_server", &[]);
    concurrent_echo_clients(addr, 50, 3);
    server.wait_line("(client 50)");
}

#[test]
fn two_hundred_concurrent_echo_clients_lose_no_line() {
    // 200 connects in the same instant overflow the default backlog of 5:
    // the kernel then drops handshakes and the clients retry with growing
    // back-off (tens of seconds here). Nothing is lost, but a server
    // expecting such a crowd asks for a longer queue, as this one does.
    let (_server, addr) = Running::server("tcp_server", &["--quiet", "--backlog", "256"]);
    concurrent_echo_clients(addr, 200, 5);
}

#[test]
fn off_stops_the_server_with_exit_0_while_others_are_connected() {
    let (mut server, addr) = Running::server("tcp_server", &[]);
    let (mut idle, mut idle_reader) = connect(addr);
    idle.write_all(b"still here\n").unwrap();
    assert_eq!(read_reply(&mut idle_reader), b"still here\n");

    let out = client(addr, &["-m", "off", "-m", "never sent"], b"");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_contains(&out.stdout, "reply: goodbye: server stopping\n");
    assert!(
        !out.stdout.contains("never sent"),
        "the client stops after off"
    );

    assert!(
        server.wait_exit().success(),
        "exit 0; stderr: {}",
        server.stderr()
    );
    assert_contains(&server.stdout(), "server stopped: a client sent `off`\n");
}

#[test]
fn once_serves_one_client_then_exits() {
    let (mut server, addr) = Running::server("tcp_server", &["--once"]);
    let out = client(addr, &["-m", "only me", "--quiet"], b"");
    assert_eq!(out.stdout, "reply: only me\n");
    assert!(server.wait_exit().success());
    assert_contains(&server.stdout(), "served one client (--once): exiting");
}

#[test]
fn ipv6_loopback_works() {
    let (server, addr) = Running::server("tcp_server", &["--host", "::1"]);
    assert!(addr.is_ipv6(), "{addr}");
    assert_contains(&server.stdout(), "socket(AF_INET6, SOCK_STREAM) -> ok");
    let out = client(addr, &["-m", "over six"], b"");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_contains(
        &out.stdout,
        &format!("connect([::1]:{}) -> ok", addr.port()),
    );
    assert_contains(&out.stdout, "reply: over six\n");
}

#[test]
fn localhost_is_resolved_and_the_addresses_narrated() {
    let (server, addr) = Running::server("tcp_server", &["--host", "localhost"]);
    assert!(addr.ip().is_loopback(), "{addr}");
    let port = addr.port().to_string();
    let args = [
        "--host",
        "localhost",
        "--port",
        &port,
        "-m",
        "by name",
        "--timeout",
        "60",
    ];
    let out = run("tcp_client", &args, b"");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_contains(
        &out.stdout,
        &format!("getaddrinfo(\"localhost\", {port}) -> "),
    );
    assert_contains(&out.stdout, &addr.to_string());
    assert_contains(&out.stdout, "reply: by name\n");
    assert_contains(&server.stdout(), "getaddrinfo(\"localhost\", 0) -> ");
}

#[test]
fn non_utf8_line_survives_and_is_shown_escaped() {
    let (server, addr) = Running::server("tcp_server", &[]);
    let out = client(addr, &[], b"caf\xe9 \xff\xfe!\n");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_contains(&out.stdout, "reply: caf\\xe9 \\xff\\xfe!\n");
    server.wait_line("recv() -> 9 bytes \"caf\\xe9 \\xff\\xfe!\\n\"");

    // Byte for byte: nothing lost or replaced on the way.
    let (mut stream, mut reader) = connect(addr);
    stream.write_all(b"\x00\x01\x80\xc3(\n").unwrap();
    assert_eq!(read_reply(&mut reader), b"\x00\x01\x80\xc3(\n");
}

#[test]
fn line_over_64_kib_is_rejected_while_another_client_keeps_working() {
    let (server, addr) = Running::server("tcp_server", &[]);
    let (mut big, mut big_reader) = connect(addr);
    let mut line = vec![b'x'; 100 * 1024];
    line.push(b'\n');
    big.write_all(&line).unwrap();
    assert_eq!(
        String::from_utf8(read_reply(&mut big_reader)).unwrap(),
        "error: line longer than 65536 bytes, ignored\n"
    );

    let out = client(addr, &["-m", "unaffected", "--quiet"], b"");
    assert_eq!(out.stdout, "reply: unaffected\n");

    // The rejected client is still served too.
    big.write_all(b"after\n").unwrap();
    assert_eq!(read_reply(&mut big_reader), b"after\n");
    assert_contains(&server.stdout(), "a line longer than 65536 bytes: rejected");
}

#[test]
fn a_client_that_vanishes_mid_line_is_narrated_and_others_go_on() {
    let (server, addr) = Running::server("tcp_server", &[]);
    let (mut stream, _reader) = connect(addr);
    stream.write_all(b"half a li").unwrap();
    drop(stream);
    drop(_reader);
    server.wait_line("the stream ended in the middle of a line: 9 bytes without a newline, dropped: \"half a li\"");
    let out = client(addr, &["-m", "next", "--quiet"], b"");
    assert_eq!(out.stdout, "reply: next\n");
}

#[test]
fn reset_makes_the_server_narrate_a_reset_and_keep_serving() {
    let (server, addr) = Running::server("tcp_server", &[]);
    let out = client(addr, &["-m", "abort", "--reset"], b"");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_contains(&out.stdout, "setsockopt(SO_LINGER, on, 0 s) -> ok\n");
    server.wait_line("[client 1] recv() -> error: connection reset by peer (RST received)");

    server.wait_line("[client 1]     this client is gone; the server goes on serving the others");

    let out = client(addr, &["-m", "after the reset", "--quiet"], b"");
    assert_eq!(out.stdout, "reply: after the reset\n");
}

#[test]
fn once_says_the_server_ends_when_its_one_client_resets() {
    let (mut server, addr) = Running::server("tcp_server", &["--once"]);
    let out = client(addr, &["-m", "abort", "--reset"], b"");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert!(server.wait_exit().success(), "{}", server.dump());
    let said = server.stdout();
    assert_contains(
        &said,
        "[client 1]     this client is gone; with --once it was the only one, so the server closes and ends\n",
    );
    assert!(!said.contains("serving the others"), "{said}");
    assert_contains(&said, "served one client (--once): exiting");
}

#[test]
fn shutdown_still_receives_the_servers_last_reply() {
    let (_server, addr) = Running::server("tcp_server", &[]);
    let out = client(addr, &["-m", "last words", "--shutdown"], b"");
    assert_eq!(out.code, Some(0), "{out:#?}");
    let half_close = out
        .stdout
        .find("shutdown(SHUT_WR) -> ok")
        .expect("shutdown narrated");
    let reply = out
        .stdout
        .find("reply: last words")
        .expect("the reply arrives");
    let fin = out
        .stdout
        .find("recv() -> 0 bytes: peer closed its side")
        .expect("the server's FIN");
    assert!(half_close < reply && reply < fin, "{}", out.stdout);
}

#[test]
fn bytes_streams_to_the_sink_and_both_sides_report() {
    let (server, addr) = Running::server("tcp_server", &["--mode", "sink"]);
    let out = client(addr, &["--bytes", "8M"], b"");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_contains(&out.stdout, "send(256 KiB buffer) x ");
    assert_contains(&out.stdout, " calls -> 8388608 bytes\n");
    assert_contains(&out.stdout, "reply: sink received 8388608 bytes\n");
    assert_contains(&out.stdout, "sent 8388608 bytes (8 MiB) in ");
    server.wait_line("[client 1] received 8388608 bytes (8 MiB) in ");
}

#[test]
fn a_client_over_max_clients_is_refused_in_one_line_and_the_others_are_served() {
    // Issue 10, item 19: idle connections must not lock everyone out.
    let (server, addr) = Running::server("tcp_server", &["--max-clients", "2"]);
    let (mut one, mut one_reader) = connect(addr);
    one.write_all(b"one\n").unwrap();
    assert_eq!(read_reply(&mut one_reader), b"one\n");
    let (mut two, mut two_reader) = connect(addr);
    two.write_all(b"two\n").unwrap();
    assert_eq!(read_reply(&mut two_reader), b"two\n");

    // A third: one line that says why, then the end of the stream.
    let (_three, mut three_reader) = connect(addr);
    assert_eq!(
        String::from_utf8(read_reply(&mut three_reader)).unwrap(),
        "error: server busy: 2 clients are connected already; try again later\n"
    );
    assert_eq!(read_reply(&mut three_reader), b"", "then closed");
    server.wait_line("but 2 clients are connected already (--max-clients): refusing it");

    // Those connected are still served, and a place that frees up is
    // given to the next client.
    two.write_all(b"still here\n").unwrap();
    assert_eq!(read_reply(&mut two_reader), b"still here\n");
    drop((one, one_reader));
    server.wait_line("[client 1] close()");
    let served = (0..50).any(|_| {
        let out = client(addr, &["-m", "my turn", "--quiet"], b"");
        // The place is given back just after close() is narrated.
        out.stdout == "reply: my turn\n" || {
            thread::sleep(Duration::from_millis(100));
            false
        }
    });
    assert!(served, "a freed place is taken again:\n{}", server.stdout());
}

#[test]
fn a_client_that_sends_nothing_is_closed_after_the_idle_timeout() {
    // Long enough that the talking client below, started on a busy
    // machine, still sends its line in time.
    let (server, addr) = Running::server("tcp_server", &["--idle-timeout", "2s"]);
    let (_idle, mut idle_reader) = connect(addr);
    assert_eq!(
        read_reply(&mut idle_reader),
        b"",
        "the server closes a client that sends nothing"
    );
    server.wait_line("[client 1] close()");
    let narration = server.stdout();
    for line in [
        "[client 1] setsockopt(SO_RCVTIMEO, 2s) -> ok",
        "[client 1] recv() -> error: timed out",
        "[client 1]     nothing arrived for --idle-timeout: closing this connection",
    ] {
        assert_contains(&narration, line);
    }
    // A client that talks is served as before, and not cut short.
    let out = client(addr, &["-m", "hello", "--quiet"], b"");
    assert_eq!(out.stdout, "reply: hello\n");
}

#[test]
fn more_clients_than_the_soft_fd_limit_are_all_served() {
    // Started with a soft limit of 64 open files, the server raises it to
    // the hard limit: 70 idle clients do not lock the next one out.
    const SOFT: u64 = 64;
    const IDLE: usize = 70;
    let hard = socklab::sys::fd_limit().map_or(0, |(_, hard)| hard);
    if hard < 4 * SOFT {
        eprintln!("skipping: the hard limit on open files ({hard}) leaves no room to raise");
        return;
    }
    let mut cmd = std::process::Command::new("bash");
    cmd.args([
        "-c",
        // A long backlog: connections the server cannot accept wait there
        // (and connect() returns) instead of retrying their SYN for minutes.
        &format!("ulimit -S -n {SOFT} && exec \"$0\" --port 0 --backlog 128"),
        bin("tcp_server"),
    ])
    .env("SOCKLAB_EVENTS", no_events_path());
    let server = TestCommand::wrap("tcp_server", cmd).stdin_null().start();
    let addr = server.listening_addr();
    let idle: Vec<_> = (0..IDLE).map(|_| connect(addr)).collect();
    let out = client(addr, &["-m", "and me", "--quiet"], b"");
    assert_eq!(out.stdout, "reply: and me\n", "{}", server.stdout());
    assert_contains(
        &server.stdout(),
        &format!("setrlimit(RLIMIT_NOFILE, {SOFT} -> {hard}) -> ok"),
    );
    drop(idle);
}

#[test]
fn port_in_use_is_a_one_line_error_with_exit_1() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = run("tcp_server", &["--port", &port.to_string()], b"");
    assert_one_line_error(
        &out,
        "tcp_server",
        &format!(
            "bind 127.0.0.1:{port}: address already in use: another program listens on port {port}; stop it or choose another --port"
        ),
    );
}

#[test]
fn low_port_without_privilege_is_a_one_line_error_with_exit_1() {
    let unprivileged_start =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
            .ok()
            .and_then(|s| s.trim().parse::<u16>().ok())
            .unwrap_or(1024);
    if unprivileged_start <= 1 {
        eprintln!("skipped: this kernel lets anyone bind low ports");
        return;
    }
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let has_setpriv = std::process::Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok();
    if is_root && !has_setpriv {
        eprintln!("skipped: running as root and setpriv is missing");
        return;
    }
    // As root, run the server as `nobody`, as a student would run it.
    let cmd = if is_root {
        let mut as_nobody = std::process::Command::new("setpriv");
        as_nobody
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(bin("tcp_server"))
            .args(["--port", "1"])
            .env("SOCKLAB_EVENTS", no_events_path());
        as_nobody
    } else {
        command("tcp_server", &["--port", "1"])
    };
    let out = TestCommand::wrap("tcp_server", cmd).run();
    assert_one_line_error(
        &out,
        "tcp_server",
        "bind 127.0.0.1:1: permission denied: ports below 1024 are reserved for root; choose --port 1024 or above",
    );
    assert_contains(
        &out.stdout,
        "bind(127.0.0.1:1) -> error: permission denied\n",
    );
}

#[test]
fn connection_refused_is_a_one_line_error_with_exit_1() {
    let port = free_port();
    let out = run(
        "tcp_client",
        &["--port", &port.to_string(), "-m", "anyone?"],
        b"",
    );
    assert_one_line_error(
        &out,
        "tcp_client",
        &format!(
            "connection refused: nothing is listening on 127.0.0.1:{port}; start the server first"
        ),
    );
    // TCP's own words: the RST came back (no ICMP: that is UDP's way).
    assert_contains(
        &out.stdout,
        &format!(
            "connect(127.0.0.1:{port}) -> error: connection refused: nothing listens there (an RST came back)\n"
        ),
    );
    assert!(!out.stdout.contains("ICMP"), "{}", out.stdout);
}

#[test]
fn usage_errors_exit_2_and_help_has_examples() {
    for prog in ["tcp_server", "tcp_client"] {
        let out = run(prog, &["--no-such-option"], b"");
        assert_eq!(out.code, Some(2), "{prog}: {out:#?}");
        let help = run(prog, &["--help"], b"");
        assert_eq!(help.code, Some(0));
        assert_contains(&help.stdout, "Examples:");
        assert_contains(&help.stdout, "--color <WHEN>");
    }
    let out = run("tcp_client", &["--bytes", "lots"], b"");
    assert_eq!(out.code, Some(2));
    assert_contains(&out.stderr, "is not a size");
}

/// Run `tcp_server --once` and `tcp_client -m hi` with events sent to a
/// socket of ours; returns the server's address and every event received.
fn record_events() -> (SocketAddr, Vec<CallEvent>) {
    let dir = fresh_dir();
    let path = dir.path().join("events.sock");
    // A receiver blocked in recv() in its own thread, like capture's.
    let receiver = UnixDatagram::bind(&path).unwrap();
    receiver
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let collecting = {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            let mut events = Vec::new();
            let mut buf = [0u8; 4096];
            while !done.load(Ordering::SeqCst) {
                if let Ok(len) = receiver.recv(&mut buf) {
                    events.push(CallEvent::parse(&buf[..len]).expect("a well-formed event"));
                }
            }
            events
        })
    };

    let mut cmd = command("tcp_server", &["--port", "0", "--once", "--quiet"]);
    cmd.env("SOCKLAB_EVENTS", &path);
    let mut server = TestCommand::wrap("tcp_server", cmd).stdin_null().start();
    let addr = server.listening_addr();
    let port = addr.port().to_string();
    let mut cmd = command("tcp_client", &["--port", &port, "-m", "hi", "--quiet"]);
    cmd.env("SOCKLAB_EVENTS", &path);
    let mut client = TestCommand::wrap("tcp_client", cmd).stdin_null().start();
    assert!(client.wait_exit().success() && server.wait_exit().success());
    thread::sleep(Duration::from_millis(300));
    done.store(true, Ordering::SeqCst);
    let events = collecting.join().unwrap();
    (addr, events)
}

/// What `capture` relies on, checked on one recorded session.
fn check_events(addr: SocketAddr, events: &[CallEvent]) -> Result<(), String> {
    let find = |prog: &str, call: &str, phase: Phase| {
        events
            .iter()
            .position(|e| e.prog == prog && e.call == call && e.phase == phase)
            .ok_or_else(|| format!("no {prog} {call} {phase:?} event"))
    };
    let expect = |ok: bool, what: &str| if ok { Ok(()) } else { Err(what.to_string()) };

    // connect: enter names the target, return knows our local address too.
    let enter = find("tcp_client", "connect", Phase::Enter)?;
    let ret = find("tcp_client", "connect", Phase::Return)?;
    expect(enter < ret, "connect enter before return")?;
    expect(
        (events[enter].local, events[enter].peer) == (None, Some(addr)),
        "connect enter: no local address yet, the server as peer",
    )?;
    let client_addr = events[ret].local.ok_or("no local address after connect")?;
    // accept returns the NEW socket's two ends.
    let accepted = &events[find("tcp_server", "accept", Phase::Return)?];
    expect(
        (accepted.local, accepted.peer) == (Some(addr), Some(client_addr)),
        "accept return: the new socket's two ends",
    )?;
    // Calls that do not wait have only a return; waiting calls have both.
    for call in ["socket", "bind", "listen", "setsockopt"] {
        let entered = events
            .iter()
            .any(|e| e.call == call && e.phase == Phase::Enter);
        expect(!entered, &format!("{call} has no enter event"))?;
        find("tcp_server", call, Phase::Return)?;
    }
    for (prog, call) in [
        ("tcp_client", "send"),
        ("tcp_client", "recv"),
        ("tcp_client", "close"),
        ("tcp_server", "recv"),
        ("tcp_server", "send"),
        ("tcp_server", "accept"),
        ("tcp_server", "close"),
    ] {
        let (enter, ret) = (
            find(prog, call, Phase::Enter)?,
            find(prog, call, Phase::Return)?,
        );
        expect(enter < ret, &format!("{prog} {call} enter before return"))?;
        expect(
            events[enter].t <= events[ret].t,
            &format!("{prog} {call} enter stamped before return"),
        )?;
    }
    let recv = &events[find("tcp_client", "recv", Phase::Return)?];
    expect(recv.result == "3 bytes \"hi\\n\"", "recv return result")?;
    expect(
        (recv.local, recv.peer) == (Some(client_addr), Some(addr)),
        "recv return: the connection's two ends",
    )
}

#[test]
fn every_call_emits_enter_and_return_events() {
    // The kernel queues only about ten datagrams on a Unix socket and the
    // programs never wait for the receiver (by design, so a lab program runs
    // the same with or without capture): on a busy machine a burst of
    // events can be dropped. So a session may be recorded again; an event
    // that is never emitted fails every attempt.
    let mut failures = Vec::new();
    for attempt in 1..=5 {
        let (addr, events) = record_events();
        match check_events(addr, &events) {
            Ok(()) => return,
            Err(why) => failures.push(format!(
                "attempt {attempt}: {why} in {} events",
                events.len()
            )),
        }
    }
    panic!("events incomplete: {failures:#?}");
}

#[test]
fn network_unreachable_is_a_one_line_error_with_exit_1() {
    if !socklab::sys::is_root() {
        eprintln!("skipping network_unreachable_is_a_one_line_error_with_exit_1: needs root to make a network namespace");
        return;
    }
    // A fresh network namespace has no route at all: connect() fails at
    // once with ENETUNREACH and no packet leaves.
    let ns = format!("unreach{}", std::process::id() % 100_000);
    let ok = |c: &mut std::process::Command| c.status().is_ok_and(|s| s.success());
    assert!(ok(
        std::process::Command::new("ip").args(["netns", "add", &ns])
    ));
    let mut cmd = std::process::Command::new("ip");
    cmd.args([
        "netns",
        "exec",
        &ns,
        bin("tcp_client"),
        "--host",
        "10.203.250.1",
        "--message",
        "hi",
    ])
    .env("SOCKLAB_EVENTS", no_events_path());
    let out = TestCommand::wrap("tcp_client", cmd).run();
    let _ = std::process::Command::new("ip")
        .args(["netns", "del", &ns])
        .status();
    assert_one_line_error(&out, "tcp_client", "network unreachable");
}

#[test]
fn unknown_host_is_a_one_line_error_with_exit_1() {
    if !socklab::sys::is_root() {
        eprintln!("skipping unknown_host_is_a_one_line_error_with_exit_1: needs root to make a network namespace");
        return;
    }
    // Inside a namespace with no route, the resolver's query cannot leave
    // the machine: getaddrinfo fails without touching any network.
    let ns = format!("nodns{}", std::process::id() % 100_000);
    assert!(std::process::Command::new("ip")
        .args(["netns", "add", &ns])
        .status()
        .is_ok_and(|s| s.success()));
    let mut cmd = std::process::Command::new("ip");
    cmd.args([
        "netns",
        "exec",
        &ns,
        bin("tcp_client"),
        "--host",
        "no-such-host.invalid",
        "-m",
        "hi",
    ])
    .env("SOCKLAB_EVENTS", no_events_path());
    let out = TestCommand::wrap("tcp_client", cmd).run();
    let _ = std::process::Command::new("ip")
        .args(["netns", "del", &ns])
        .status();
    assert_one_line_error(
        &out,
        "tcp_client",
        "cannot resolve host `no-such-host.invalid`",
    );
    assert_contains(&out.stderr, "use an address such as 127.0.0.1");
}
