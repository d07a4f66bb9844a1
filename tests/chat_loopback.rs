//! The chat on one machine, over loopback: two real chat processes (or a
//! chat and a hand-made peer), their stdin piped, both typing at once.
//! No root needed.

mod harness;

use std::io::{Read, Write};
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use harness::*;

/// How many messages each side types in the two-way tests.
const EACH: u64 = 20;

/// What `who` types as message `i`: spaces, a tab, accents, a check mark.
fn text(who: &str, i: u64) -> String {
    format!("{who} says héllo wörld ✓ {i}\tend")
}

/// The address in `listening on ADDR: ...`.
fn listening_addr(line: &str) -> SocketAddr {
    let token = line
        .split_whitespace()
        .nth(2)
        .expect("listening on ADDR")
        .trim_end_matches(':');
    token
        .parse()
        .unwrap_or_else(|e| panic!("`{token}` in `{line}`: {e}"))
}

fn tcp_both_ways(host: &str) -> (Running, Running) {
    let a = Running::start(
        "alice",
        command(
            "chat",
            &[
                "--proto", "tcp", "--listen", "--host", host, "--port", "0", "--name", "alice",
            ],
        ),
    );
    let addr = listening_addr(&a.wait_line("listening on"));
    let port = addr.port().to_string();
    let b = Running::start("bob", tcp_chat_bob(host, &port));
    talk_both_ways(a, b, EACH, text)
}

#[test]
fn tcp_chat_both_ways_at_once_on_ipv4() {
    let (a, b) = tcp_both_ways("127.0.0.1");
    // alice narrates, bob is --quiet: the same conversation, without the calls.
    let (a, b) = (a.stdout_lines(), b.stdout_lines());
    for call in [
        "socket(AF_INET, SOCK_STREAM) -> ok",
        "listen(backlog=1) -> ok",
        "shutdown(SHUT_WR) -> ok",
    ] {
        assert!(a.iter().any(|l| l == call), "alice narrates {call}: {a:#?}");
    }
    assert!(a
        .iter()
        .any(|l| l.starts_with("accept() -> new socket for 127.0.0.1:")));
    assert!(!b.iter().any(|l| l.contains("socket(")), "--quiet: {b:#?}");
    assert!(b
        .iter()
        .any(|l| l.starts_with("why: over TCP lost, reordered and duplicates stay at 0")));
    assert!(b.contains(&"-- peer left: it closed the connection (FIN received)".to_string()));
}

#[test]
fn tcp_chat_both_ways_at_once_on_ipv6() {
    tcp_both_ways("::1");
}

fn udp_both_ways(host: &str) -> (Running, Running) {
    let pa = free_port().to_string();
    let pb = free_port().to_string();
    let a = Running::start("alice", udp_chat(host, "alice", (&pa, &pb), &[]));
    let b = Running::start("bob", udp_chat(host, "bob", (&pb, &pa), &["--quiet"]));
    talk_both_ways(a, b, EACH, text)
}

#[test]
fn udp_chat_both_ways_at_once_on_ipv4() {
    let (a, b) = udp_both_ways("127.0.0.1");
    let a = a.stdout_lines();
    assert!(
        a.iter().any(|l| l.starts_with("connect(127.0.0.1:")),
        "{a:#?}"
    );
    assert!(
        a.iter().any(|l| l.starts_with("send(\"bye 21 ")),
        "the goodbye has the next number: {a:#?}"
    );
    let b = b.stdout_lines();
    assert!(
        b.iter().any(|l| l.starts_with(
            "-- peer left: it sent a goodbye datagram. UDP itself would never tell you"
        )),
        "{b:#?}"
    );
    assert!(b
        .iter()
        .any(|l| l.starts_with("why: these counts come from our own sequence numbers")));
}

#[test]
fn udp_chat_both_ways_at_once_on_ipv6() {
    udp_both_ways("::1");
}

#[test]
fn tcp_connect_to_nobody_is_explained() {
    // A port that was free a moment ago: nothing listens there.
    let port = free_port().to_string();
    let (code, out, err) = run_to_end(command(
        "chat",
        &["--proto", "tcp", "--connect", "127.0.0.1", "--port", &port],
    ));
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.starts_with("chat: error: connect 127.0.0.1:"), "{err}");
    assert!(err.contains("connection refused"), "{err}");
    assert!(
        err.contains("start `chat --proto tcp --listen` on the other computer first"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

#[test]
fn udp_peer_not_there_is_explained_and_the_chat_goes_on() {
    let pa = free_port().to_string();
    let pb = free_port().to_string();
    let udp =
        |me: &str, port: &str, peer_port: &str| udp_chat("127.0.0.1", me, (port, peer_port), &[]);
    let mut a = Running::start("alice", udp("alice", &pa, &pb));
    a.wait_line("chatting with");
    a.type_line("is anyone there?");
    let line = a.wait_line("-- nobody is listening on 127.0.0.1:");
    assert!(line.contains("(ICMP port unreachable)"), "{line}");
    assert!(
        a.stdout_lines()
            .iter()
            .any(|l| l.ends_with("-> error: ECONNREFUSED (an ICMP port unreachable came back)")),
        "{}",
        a.dump()
    );
    assert!(a.is_running(), "the chat goes on: the peer may come up");

    // Now bob comes up: alice's next message gets through, and bob sees
    // that the first one never arrived.
    let mut b = Running::start("bob", udp("bob", &pb, &pa));
    b.wait_line("chatting with");
    a.type_line("there you are");
    b.wait_line("alice #2: there you are");
    let lines = b.stdout_lines();
    assert!(
        lines.contains(&"-- 1 message lost (seq 1)".to_string()),
        "{}",
        b.dump()
    );
    assert_eq!(
        messages(&lines),
        vec![Shown {
            name: "alice".into(),
            seq: 2,
            text: "there you are".into()
        }]
    );
    b.type_line("/quit");
    a.wait_line("-- peer left");
    assert!(a.wait_exit().success());
    assert!(b.wait_exit().success());
    assert_eq!(report(&a).sent, 2);
    assert_eq!(
        report(&b),
        Counts {
            received: 1,
            lost: 1,
            ..Counts::default()
        }
    );
}

#[test]
fn a_message_too_big_for_a_datagram_is_refused_before_sending() {
    let (me, mut a) = udp_chat_with_hand_peer(&["--quiet"]);
    // 65 500 bytes of text and a header: more than 65 507 bytes, the most
    // one IPv4 datagram carries.
    a.type_line(&"x".repeat(65_500));
    a.wait_stderr("message not sent: a message of");
    assert!(
        a.stderr()
            .contains("larger than a UDP datagram can carry (65507 bytes over IPv4)"),
        "{}",
        a.dump()
    );
    // Longer than any line the chat reads: skipped too.
    a.type_line(&"y".repeat(70_000));
    a.wait_stderr("message not sent: a line longer than 65536 bytes");
    a.type_line("small");
    let mut buf = vec![0u8; 70_000];
    let got = me.recv(&mut buf).expect("the small message arrives");
    let wire = String::from_utf8_lossy(&buf[..got]).into_owned();
    assert!(
        wire.starts_with("msg 1 ") && wire.ends_with(" alice small"),
        "the refused messages used no sequence number: {wire}"
    );
    a.close_stdin();
    let got = me.recv(&mut buf).expect("the goodbye arrives");
    assert!(String::from_utf8_lossy(&buf[..got]).starts_with("bye 2 "));
    assert!(a.wait_exit().success());
}

/// Send one datagram from the hand-made peer.
fn send(me: &UdpSocket, bytes: &[u8]) {
    me.send(bytes).unwrap();
}

#[test]
fn udp_receiver_reports_gaps_late_and_duplicate_messages_as_they_happen() {
    // We play the peer by hand, to make the network misbehave on purpose.
    let (me, mut a) = udp_chat_with_hand_peer(&["--quiet"]);

    // What alice sends is one readable datagram: kind, number, time, name, text.
    a.type_line("hi mallory");
    let mut buf = [0u8; 2048];
    let got = me.recv(&mut buf).unwrap();
    let wire = std::str::from_utf8(&buf[..got]).unwrap();
    let fields: Vec<&str> = wire.splitn(5, ' ').collect();
    assert_eq!(fields[0], "msg");
    assert_eq!(fields[1], "1");
    let sent_ms: u64 = fields[2].parse().unwrap();
    let now_ms = socklab::events::now().as_millis() as u64;
    assert!(
        now_ms.abs_diff(sent_ms) < 60_000,
        "a time in ms since 1970: {wire}"
    );
    assert_eq!(&fields[3..], ["alice", "hi mallory"]);

    for datagram in [
        &b"msg 1 0 mallory first"[..],
        b"msg 2 0 mallory second",
        b"msg 5 0 mallory fifth",
        b"msg 4 0 mallory fourth",
        b"msg 4 0 mallory fourth",
        b"msg 3 0 mallory third",
        b"msg 6 0 mallory caf\xe9 \x1b[2J",
        b"hello from netcat",
        b"bye 7 0 mallory",
    ] {
        send(&me, datagram);
    }
    a.wait_line("-- peer left");
    assert!(a.wait_exit().success());
    let lines = a.stdout_lines();
    let from = lines.iter().position(|l| l.contains("mallory #1")).unwrap();
    let report_line = lines
        .iter()
        .position(|l| l.starts_with("report: "))
        .unwrap();
    assert!(
        lines[report_line + 1].starts_with("why: these counts come from our own sequence numbers")
    );
    assert_eq!(
        lines[from..=report_line],
        [
            "[00:00:00] mallory #1: first",
            "[00:00:00] mallory #2: second",
            "-- 2 messages lost (seq 3-4)",
            "[00:00:00] mallory #5: fifth",
            "-- late: seq 4 arrived after 5",
            "[00:00:00] mallory #4: fourth",
            "-- duplicate seq 4 (not shown again)",
            "-- late: seq 3 arrived after 5",
            "[00:00:00] mallory #3: third",
            "[00:00:00] mallory #6: caf\\xe9 \\x1b[2J",
            "-- not a chat message (does not start with `msg` or `bye`): hello from netcat",
            "-- peer left: it sent a goodbye datagram. UDP itself would never tell you: with no connection, a peer that left and a peer that is silent look the same",
            "report: sent 1, received 6, lost 0, reordered 2, duplicates 1",
        ][..],
        "\n{}",
        a.dump()
    );
}

#[test]
fn impossible_sequence_numbers_are_bogus_messages_not_losses() {
    // Issue 10, item 20: a peer that sends 1, 2^64-1, 1... made the counter
    // report "lost 18446744073709551613" (and a debug build panic).
    let (me, mut a) = udp_chat_with_hand_peer(&["--quiet"]);
    for datagram in [
        &b"msg 1 0 mallory first"[..],
        b"msg 18446744073709551615 0 mallory from nowhere",
        b"msg 1 0 mallory first",
        b"msg 2 0 mallory second",
        b"bye 3 0 mallory",
    ] {
        send(&me, datagram);
    }
    a.wait_line("-- peer left");
    assert!(a.wait_exit().success(), "{}", a.dump());
    let lines = a.stdout_lines();
    let from = lines.iter().position(|l| l.contains("mallory #1")).unwrap();
    assert_eq!(
        lines[from..from + 4],
        [
            "[00:00:00] mallory #1: first",
            "-- bogus message: seq 18446744073709551615 is more than 1000000 past the highest so far (1), not a number this chat can reach (not shown, not counted)",
            "-- duplicate seq 1 (not shown again)",
            "[00:00:00] mallory #2: second",
        ][..],
        "\n{}",
        a.dump()
    );
    assert_eq!(
        report(&a),
        Counts {
            received: 2,
            duplicates: 1,
            bogus: 1,
            ..Counts::default()
        },
        "\n{}",
        a.dump()
    );
}

#[test]
fn tcp_messages_are_lines_and_bytes_from_the_peer_are_escaped() {
    // We play the listening side by hand.
    let (mut conn, mut b) = tcp_chat_with_hand_listener();
    b.type_line("one");
    b.type_line("two");
    // Two messages in one write, the second cut in the middle: TCP is a
    // byte stream, the chat finds the lines.
    conn.write_all(b"msg 1 0 mallory caf\xe9\nmsg 2 0 mal")
        .unwrap();
    thread::sleep(Duration::from_millis(100));
    conn.write_all(b"lory \x07bell\n").unwrap();
    b.wait_line("mallory #2");
    b.close_stdin();
    // End of input: bob half-closes; we read everything up to its FIN.
    let mut got = Vec::new();
    conn.read_to_end(&mut got).unwrap();
    let got = String::from_utf8(got).unwrap();
    let wire: Vec<Vec<&str>> = got.lines().map(|l| l.splitn(5, ' ').collect()).collect();
    assert_eq!(wire.len(), 2, "{got}");
    assert_eq!(
        (wire[0][0], wire[0][1], wire[0][3], wire[0][4]),
        ("msg", "1", "bob", "one")
    );
    assert_eq!(
        (wire[1][0], wire[1][1], wire[1][3], wire[1][4]),
        ("msg", "2", "bob", "two")
    );
    assert!(got.ends_with('\n'), "each message ends with a newline");
    drop(conn);
    assert!(b.wait_exit().success(), "{}", b.dump());
    assert_eq!(
        messages(&b.stdout_lines()),
        vec![
            Shown {
                name: "mallory".into(),
                seq: 1,
                text: "caf\\xe9".into()
            },
            Shown {
                name: "mallory".into(),
                seq: 2,
                text: "\\x07bell".into()
            },
        ]
    );
    assert_eq!(
        report(&b),
        Counts {
            sent: 2,
            received: 2,
            ..Counts::default()
        }
    );
}

#[test]
fn a_flood_from_the_peer_does_not_freeze_typing() {
    let (me, mut a) = udp_chat_with_hand_peer(&["--show-limit", "20"]);

    // Flood alice until her typed message reaches us.
    let stop = Arc::new(AtomicBool::new(false));
    let flooded = Arc::new(AtomicU64::new(0));
    let flooder = {
        let me = me.try_clone().unwrap();
        let (stop, flooded) = (Arc::clone(&stop), Arc::clone(&flooded));
        thread::spawn(move || {
            let started = Instant::now();
            let mut seq = 0u64;
            while !stop.load(Ordering::SeqCst) && started.elapsed() < WAIT {
                seq += 1;
                let _ = me.send(format!("msg {seq} 0 flood spam {seq}").as_bytes());
                flooded.store(seq, Ordering::SeqCst);
            }
            seq
        })
    };
    while flooded.load(Ordering::SeqCst) < 20_000 {
        thread::sleep(Duration::from_millis(10));
    }
    a.type_line("still typing");
    me.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut buf = [0u8; 2048];
    let got = me.recv(&mut buf);
    let flood_when_typed = flooded.load(Ordering::SeqCst);
    thread::sleep(Duration::from_millis(1200));
    stop.store(true, Ordering::SeqCst);
    let total = flooder.join().unwrap();
    let got = got.expect("alice's message goes out during the flood");
    assert!(String::from_utf8_lossy(&buf[..got]).ends_with(" alice still typing"));
    assert!(
        total > flood_when_typed,
        "the flood was still on when she typed"
    );

    // The flood ends with a goodbye; what was hidden was still counted.
    thread::sleep(Duration::from_millis(300));
    me.send(format!("bye {} 0 flood", total + 1).as_bytes())
        .unwrap();
    a.wait_line("-- peer left");
    assert!(a.wait_exit().success());
    let lines = a.stdout_lines();
    assert!(
        lines.iter().any(|l| l.starts_with("-- ")
            && l.contains("messages not shown (more than 20 a second); the counters include them")),
        "{}",
        a.dump()
    );
    let shown = messages(&lines).len() as u64;
    let c = report(&a);
    assert!(
        shown < c.received,
        "some were hidden: shown {shown} of {}",
        c.received
    );
    assert_eq!(
        c.received + c.lost,
        total,
        "every flood message counted, received or lost (the kernel drops what its buffer cannot hold)"
    );
    assert_eq!(c.sent, 1);
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    for (args, hint) in [
        (&["--proto", "tcp"][..], "required"),
        (&["--proto", "udp", "--listen"][..], "both sides use --peer"),
        (&["--proto", "tcp", "--peer", "127.0.0.1"][..], "--listen"),
        (
            &["--proto", "tcp", "--listen", "--connect", "::1"][..],
            "cannot be used with",
        ),
        (
            &["--proto", "udp", "--peer", "::1", "--name", "two words"][..],
            "spaces",
        ),
        (
            &["--proto", "tcp", "--connect", "::1", "--host", "::1"][..],
            "cannot be used with",
        ),
        (&["--proto", "sctp", "--listen"][..], "invalid value"),
    ] {
        let (code, _, err) = run_to_end(command("chat", args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(hint), "{args:?}: `{hint}` in {err}");
    }
}

#[test]
fn ctrl_c_leaves_like_quit_and_the_peer_is_told() {
    let (me, mut a) = udp_chat_with_hand_peer(&["--quiet"]);
    a.type_line("one");
    let mut buf = [0u8; 2048];
    let got = me.recv(&mut buf).unwrap();
    assert!(buf[..got].starts_with(b"msg 1 "));
    let status = std::process::Command::new("kill")
        .args(["-INT", &a.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let got = me.recv(&mut buf).expect("a goodbye after Ctrl-C");
    let bye = String::from_utf8_lossy(&buf[..got]).into_owned();
    assert!(
        bye.starts_with("bye 2 ") && bye.ends_with(" alice"),
        "{bye}"
    );
    assert!(a.wait_exit().success(), "{}", a.dump());
    assert_eq!(report(&a).sent, 1);
}

#[test]
fn a_tcp_peer_that_resets_ends_the_chat_with_an_error_after_the_report() {
    let (conn, mut b) = tcp_chat_with_hand_listener();
    // SO_LINGER 0, then close: an RST instead of a FIN.
    socket2::SockRef::from(&conn)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(conn);
    let status = b.wait_exit();
    assert_eq!(status.code(), Some(1), "{}", b.dump());
    assert_eq!(report(&b), Counts::default());
    let err = b.stderr();
    assert!(
        err.starts_with("chat: error: recv with 127.0.0.1:")
            && err.contains(
                "connection reset by peer (RST received): the other side aborted the connection"
            ),
        "{err}"
    );
}
