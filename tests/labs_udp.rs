//! udp_server and udp_client, run as a student runs them, on free loopback ports.

mod harness;

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use harness::*;

/// Run udp_client against `addr` with `extra` arguments and `stdin`.
fn client(addr: SocketAddr, extra: &[&str], stdin: &[u8]) -> Finished {
    let (host, port) = (addr.ip().to_string(), addr.port().to_string());
    let mut args = vec!["--host", &host, "--port", &port];
    if !extra.contains(&"--timeout") {
        args.extend(["--timeout", "60"]);
    }
    args.extend_from_slice(extra);
    run("udp_client", &args, stdin)
}

/// A UDP socket that receives datagrams and never answers.
fn silent_server() -> (UdpSocket, SocketAddr) {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(WAIT)).unwrap();
    let addr = sock.local_addr().unwrap();
    (sock, addr)
}

#[test]
fn echo_reply_is_printed_and_the_calls_narrated() {
    let (server, addr) = Running::server("udp_server", &[]);
    let out = client(addr, &["--message", "hello"], b"");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_contains(&out.stdout, "socket(AF_INET, SOCK_DGRAM) -> ok\n");
    assert_contains(&out.stdout, "setsockopt(SO_RCVTIMEO, 60s) -> ok\n");
    assert_contains(
        &out.stdout,
        &format!("sendto({addr}, \"hello\") -> 5 bytes\n"),
    );
    assert_contains(
        &out.stdout,
        &format!("recvfrom() -> 5 bytes from {addr} \"hello\"\n"),
    );
    assert_contains(&out.stdout, &format!("reply from {addr}: hello\n"));

    let line = server.wait_line(": hello");
    assert!(line.starts_with("from 127.0.0.1:"), "{line}");
    assert_contains(&server.stdout(), "socket(AF_INET, SOCK_DGRAM) -> ok\n");
    assert_contains(&server.stdout(), "bind(127.0.0.1:0) -> ok\n");
    server.wait_line("sendto(127.0.0.1:");
}

#[test]
fn ack_mode_answers_message_received() {
    let (_server, addr) = Running::server("udp_server", &["--mode", "ack"]);
    let out = client(addr, &["-m", "one", "-m", "two", "--quiet"], b"");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_eq!(
        out.stdout,
        format!("reply from {addr}: message received\nreply from {addr}: message received\n")
    );
}

#[test]
fn no_reply_is_said_plainly_when_the_server_does_not_answer() {
    let (silent, addr) = silent_server();
    let out = client(addr, &["-m", "anyone?", "--timeout", "300ms"], b"");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_contains(&out.stdout, "recvfrom() -> error: timed out\n");
    assert_contains(
        &out.stdout,
        &format!("no reply within 300ms: UDP does not retransmit; the datagram or its reply was lost, or nothing answers on {addr}\n"),
    );
    let mut buf = [0u8; 64];
    let (len, _) = silent.recv_from(&mut buf).unwrap();
    assert_eq!(
        &buf[..len],
        b"anyone?",
        "the datagram did arrive; only the reply is missing"
    );
}

#[test]
fn print_mode_prints_and_never_answers() {
    let (server, addr) = Running::server("udp_server", &["--mode", "print"]);
    let out = client(
        addr,
        &["-m", "just look", "--timeout", "300ms", "--quiet"],
        b"",
    );
    assert_contains(&out.stdout, "no reply within 300ms");
    server.wait_line(": just look");
}

#[test]
fn count_reports_how_many_replies_came_back() {
    let (_server, addr) = Running::server("udp_server", &["--quiet"]);
    let out = client(addr, &["--count", "5", "--interval", "10", "--quiet"], b"");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_contains(&out.stdout, &format!("reply from {addr}: ping 5\n"));
    assert_contains(
        &out.stdout,
        "sent 5 datagrams, 5 replies came back (0 missing)\n",
    );

    let (_silent, addr) = silent_server();
    let out = client(
        addr,
        &[
            "--count",
            "2",
            "--interval",
            "10",
            "--timeout",
            "200ms",
            "--quiet",
        ],
        b"",
    );
    assert_contains(
        &out.stdout,
        "sent 2 datagrams, 0 replies came back (2 missing)\n",
    );
}

#[test]
fn stdin_lines_are_datagrams() {
    let (_server, addr) = Running::server("udp_server", &[]);
    let out = client(addr, &["--quiet"], b"first\nsecond\n");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_eq!(
        out.stdout,
        format!("reply from {addr}: first\nreply from {addr}: second\n")
    );
}

#[test]
fn a_message_too_big_for_a_datagram_is_an_error_before_sending() {
    let (silent, addr) = silent_server();
    let big = "x".repeat(70_000);
    let out = client(addr, &["-m", "small", "-m", &big], b"");
    assert_one_line_error(
        &out,
        "udp_client",
        "a message of 70000 bytes is larger than a UDP datagram can carry (65507 bytes over IPv4)",
    );
    assert!(
        !out.stdout.contains("sendto("),
        "nothing sent: {}",
        out.stdout
    );
    silent
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    assert!(
        silent.recv_from(&mut [0u8; 16]).is_err(),
        "not even the small message"
    );
}

#[test]
fn off_stops_the_server_with_exit_0() {
    let (mut server, addr) = Running::server("udp_server", &[]);
    let out = client(addr, &["-m", "off", "-m", "never sent"], b"");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_contains(&out.stdout, "goodbye: server stopping\n");
    assert!(!out.stdout.contains("never sent"));
    assert!(server.wait_exit().success(), "{}", server.stderr());
    assert_contains(&server.stdout(), "server stopped: a client sent `off`\n");
}

#[test]
fn ipv6_loopback_works() {
    let (server, addr) = Running::server("udp_server", &["--host", "::1"]);
    assert!(addr.is_ipv6(), "{addr}");
    assert_contains(&server.stdout(), "socket(AF_INET6, SOCK_DGRAM) -> ok");
    let out = client(addr, &["-m", "six"], b"");
    assert_contains(
        &out.stdout,
        &format!("reply from [::1]:{}: six\n", addr.port()),
    );
}

#[test]
fn non_utf8_datagram_is_shown_escaped_and_echoed_intact() {
    let (server, addr) = Running::server("udp_server", &[]);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(WAIT)).unwrap();
    sock.send_to(b"caf\xe9\x00\n", addr).unwrap();
    let mut buf = [0u8; 64];
    let (len, _) = sock.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..len], b"caf\xe9\x00\n");
    server.wait_line(": caf\\xe9\\x00");
    assert_contains(&server.stdout(), "6 bytes from 127.0.0.1:");
}

#[test]
fn port_in_use_is_a_one_line_error_with_exit_1() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = run("udp_server", &["--port", &port.to_string()], b"");
    assert_one_line_error(
        &out,
        "udp_server",
        &format!(
            "bind 127.0.0.1:{port}: address already in use: another program listens on port {port}"
        ),
    );
}

#[test]
fn usage_errors_exit_2_and_help_has_examples() {
    for prog in ["udp_server", "udp_client"] {
        assert_eq!(
            run(prog, &["--no-such-option"], b"").code,
            Some(2),
            "{prog}"
        );
        let help = run(prog, &["--help"], b"");
        assert_eq!(help.code, Some(0));
        assert_contains(&help.stdout, "Examples:");
    }
    let out = run("udp_client", &["--count", "0"], b"");
    assert_eq!(out.code, Some(2), "{out:#?}");
}
