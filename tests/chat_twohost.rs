//! The chat between two "computers": network namespaces `<prefix>alice`
//! and `<prefix>bob` that each test builds and always removes, with and
//! without packet loss on the cable. Needs root (CI runs as root); skipped
//! with a printed reason otherwise.

mod harness;

use std::collections::BTreeSet;
use std::thread;
use std::time::Duration;

use harness::*;

/// Messages each side types in the two-way tests.
const EACH: u64 = 25;

fn text(who: &str, i: u64) -> String {
    format!("{who}: message {i} with spaces, ü and ✓")
}

#[test]
fn tcp_chat_between_alice_and_bob_both_ways_on_ipv4_and_ipv6() {
    if !can_use_namespaces("tcp_chat_between_alice_and_bob_both_ways_on_ipv4_and_ipv6") {
        return;
    }
    let net = Net::up('t', 101, 0.0);
    let (alice, bob) = (&net.hosts.alice, &net.hosts.bob);
    for ipv6 in [false, true] {
        let listen_on = alice.addr(ipv6).to_string();
        let port = if ipv6 { "5006" } else { "5005" };
        let a = Running::start(
            "alice",
            chat_on(
                alice,
                &[
                    "--proto", "tcp", "--listen", "--host", &listen_on, "--port", port, "--name",
                    "alice",
                ],
            ),
        );
        a.wait_line("listening on");
        let b = Running::start(
            "bob",
            chat_on(
                bob,
                &[
                    "--proto",
                    "tcp",
                    "--connect",
                    &listen_on,
                    "--port",
                    port,
                    "--name",
                    "bob",
                ],
            ),
        );
        let (a, b) = talk_both_ways(a, b, EACH, text);
        // The two ends are the two hosts' own addresses.
        let bob_addr = bob.addr(ipv6).to_string();
        let accepted = a
            .stdout_lines()
            .into_iter()
            .find(|l| l.starts_with("accept() -> new socket for "))
            .unwrap();
        assert!(accepted.contains(&bob_addr), "{accepted}");
        assert!(
            b.stdout_lines()
                .contains(&"-- peer left: it closed the connection (FIN received)".to_string()),
            "{}",
            b.dump()
        );
    }
}

#[test]
fn udp_chat_between_alice_and_bob_both_ways_on_ipv4_and_ipv6() {
    if !can_use_namespaces("udp_chat_between_alice_and_bob_both_ways_on_ipv4_and_ipv6") {
        return;
    }
    let net = Net::up('u', 102, 0.0);
    let (alice, bob) = (&net.hosts.alice, &net.hosts.bob);
    for ipv6 in [false, true] {
        // The same command on both hosts, each naming the other.
        let (to_bob, to_alice) = (bob.addr(ipv6).to_string(), alice.addr(ipv6).to_string());
        let a = Running::start(
            "alice",
            chat_on(
                alice,
                &["--proto", "udp", "--peer", &to_bob, "--name", "alice"],
            ),
        );
        let b = Running::start(
            "bob",
            chat_on(
                bob,
                &["--proto", "udp", "--peer", &to_alice, "--name", "bob"],
            ),
        );
        let (a, b) = talk_both_ways(a, b, EACH, text);
        // connect() on UDP picked alice's own address as the source.
        let narrated = a.stdout_lines();
        assert!(
            narrated
                .iter()
                .any(|l| l.starts_with("connect(") && l.contains(&to_bob)),
            "{}",
            a.dump()
        );
        assert!(
            b.stdout_lines()
                .iter()
                .any(|l| l.starts_with("-- peer left: it sent a goodbye datagram")),
            "{}",
            b.dump()
        );
    }
}

#[test]
fn udp_over_a_lossy_link_reports_exactly_the_messages_that_did_not_arrive() {
    if !can_use_namespaces("udp_over_a_lossy_link_reports_exactly_the_messages_that_did_not_arrive")
    {
        return;
    }
    const SENT: u64 = 200;
    let net = Net::up('l', 103, 0.0);
    let (alice, bob) = (&net.hosts.alice, &net.hosts.bob);
    let to_bob = bob.v4.to_string();
    let to_alice = alice.v4.to_string();
    let mut a = Running::start(
        "alice",
        chat_on(
            alice,
            &[
                "--proto", "udp", "--peer", &to_bob, "--name", "alice", "--quiet",
            ],
        ),
    );
    let mut b = Running::start(
        "bob",
        chat_on(
            bob,
            &[
                "--proto", "udp", "--peer", &to_alice, "--name", "bob", "--quiet",
            ],
        ),
    );
    a.wait_line("chatting with");
    b.wait_line("chatting with");

    // The link loses 30 % of the packets each way, between the hosts.
    net.set_loss(30.0);
    let lines: Vec<String> = (1..=SENT).map(|i| format!("message {i}")).collect();
    let typing = type_in_background(a.take_stdin(), lines, Duration::from_millis(3));
    a.give_stdin(typing.join().unwrap());
    thread::sleep(Duration::from_millis(500));
    let (to_alice_dropped, to_bob_dropped) = net.dropped();
    // The goodbye must arrive, so that the losses just before it show too.
    net.set_loss(0.0);
    a.type_line("/quit");
    b.wait_line("-- peer left");
    assert!(a.wait_exit().success());
    assert!(b.wait_exit().success());

    let shown = messages(&b.stdout_lines());
    let received: BTreeSet<u64> = shown.iter().map(|m| m.seq).collect();
    for m in &shown {
        assert_eq!(m.text, format!("message {}", m.seq), "intact");
        assert_eq!(m.name, "alice");
    }
    let missing: BTreeSet<u64> = (1..=SENT).filter(|s| !received.contains(s)).collect();
    let c = report(&b);
    let sent = report(&a).sent;
    eprintln!(
        "30 % loss: alice sent {sent}, bob received {}, reported lost {}; the link dropped {to_bob_dropped} packets on the way to bob ({to_alice_dropped} to alice)",
        c.received, c.lost
    );
    assert_eq!(sent, SENT);
    assert_eq!(c.received, received.len() as u64);
    assert_eq!(
        c.lost,
        sent - c.received,
        "lost = sent - received\n{}",
        b.dump()
    );
    assert_eq!(
        reported_lost(&b.stdout_lines()),
        missing,
        "the gap notes name exactly the missing numbers"
    );
    assert_eq!(
        (c.reordered, c.duplicates),
        (0, 0),
        "a link without --reorder or --duplicate does neither"
    );
    // Loose bounds: 30 % of 200 is 60; the kernel's dice are random.
    assert!((20..=110).contains(&c.lost), "about 30 % lost: {}", c.lost);
    // The link counts only the hosts' own traffic (ARP and neighbour
    // discovery are never dropped): each message lost is one it dropped.
    assert_eq!(
        to_bob_dropped, c.lost,
        "the link dropped exactly the messages bob missed"
    );
}

#[test]
fn tcp_over_a_lossy_link_loses_nothing_and_says_why() {
    if !can_use_namespaces("tcp_over_a_lossy_link_loses_nothing_and_says_why") {
        return;
    }
    /// At least this many messages; more until the link has dropped two
    /// packets on their way to alice (bob's segments: the link never drops
    /// neighbour discovery).
    const AT_LEAST: u64 = 200;
    const AT_MOST: u64 = 1000;
    let net = Net::up('r', 104, 0.0);
    let (alice, bob) = (&net.hosts.alice, &net.hosts.bob);
    let mut a = Running::start(
        "alice",
        chat_on(
            alice,
            &["--proto", "tcp", "--listen", "--name", "alice", "--quiet"],
        ),
    );
    a.wait_line("listening on");
    let to_alice = alice.v4.to_string();
    let mut b = Running::start(
        "bob",
        chat_on(
            bob,
            &[
                "--proto",
                "tcp",
                "--connect",
                &to_alice,
                "--name",
                "bob",
                "--quiet",
            ],
        ),
    );
    a.wait_line("chatting with");
    b.wait_line("chatting with");
    // 10 %: enough for retransmissions, not so much that TCP's doubling
    // retransmission timeout makes the test wait for minutes.
    net.set_loss(10.0);
    let mut sent = 0;
    while sent < AT_MOST {
        sent += 1;
        b.type_line(&format!("message {sent}"));
        thread::sleep(Duration::from_millis(10));
        if sent >= AT_LEAST && sent % 20 == 0 && net.dropped().0 > 1 {
            break;
        }
    }
    thread::sleep(Duration::from_millis(300));
    let (dropped_at_alice, dropped_at_bob) = net.dropped();
    // A clean cable for the rest: what is still missing arrives at the next
    // retransmission.
    net.set_loss(0.0);
    a.wait_until("every message", |lines| {
        messages(lines).len() as u64 >= sent
    });
    b.type_line("/quit");
    a.wait_line("-- peer left");
    assert!(a.wait_exit().success(), "{}", a.dump());
    assert!(b.wait_exit().success(), "{}", b.dump());

    let seqs: Vec<u64> = messages(&a.stdout_lines()).iter().map(|m| m.seq).collect();
    assert_eq!(
        seqs,
        (1..=sent).collect::<Vec<_>>(),
        "all of them, in order"
    );
    assert_eq!(
        report(&a),
        Counts {
            received: sent,
            ..Counts::default()
        }
    );
    // bob's kernel retransmitted what the link dropped, and bob says so.
    let why = b
        .stdout_lines()
        .into_iter()
        .find(|l| l.starts_with("why: "))
        .unwrap();
    eprintln!(
        "10 % loss: the link dropped {dropped_at_alice} packets on the way to alice, {dropped_at_bob} to bob; bob: {why}"
    );
    // The packets dropped on their way to alice were bob's data segments
    // (the handshake was over before the loss began): bob's kernel must have
    // sent them again.
    assert!(
        dropped_at_alice > 0,
        "the link dropped some of bob's segments"
    );
    assert!(why.contains("the kernel retransmitted"), "{why}");
}
