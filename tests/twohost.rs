//! `twohost` and the lab network: building and removing it with sudo and
//! without root, the link's settings and what it measurably does, and
//! what is left after the owner is interrupted or killed.
//!
//! Each test uses its own namespace prefix (hidden `--prefix`), so that an
//! instructor's network and other tests are left alone. Tests as root skip
//! when not root; tests "as nobody" run the binary through `setpriv` (and
//! skip where the system forbids user namespaces, saying which setting).

mod harness;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, UdpSocket};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use harness::*;
use serde_json::Value;
use socklab::link::Impairments;
use socklab::netns::in_namespace;

const NOBODY: &str = "65534";

/// `twohost --prefix P --subnet S ARGS`, as root (or whoever runs the tests).
fn twohost(prefix: &str, subnet: u8, args: &[&str]) -> Command {
    let mut cmd = Command::new(twohost_bin());
    // English whatever the machine's locale (the Portuguese tests are in
    // tests/i18n_tools.rs).
    cmd.args(["--prefix", prefix, "--subnet", &subnet.to_string()])
        .args(args)
        .env("LC_ALL", "C");
    cmd
}

/// The same as the user `nobody` (when we are root; otherwise as ourselves).
fn twohost_as_user(prefix: &str, subnet: u8, args: &[&str]) -> Command {
    if !socklab::sys::is_root() {
        return twohost(prefix, subnet, args);
    }
    let mut c = Command::new("setpriv");
    c.args([
        "--reuid",
        NOBODY,
        "--regid",
        NOBODY,
        "--clear-groups",
        twohost_bin(),
        "--prefix",
        prefix,
        "--subnet",
        &subnet.to_string(),
    ])
    .args(args)
    .current_dir("/")
    .env("LC_ALL", "C");
    c
}

/// Run and expect exit 0; returns stdout.
fn ok(cmd: Command) -> String {
    let (code, out, err) = run_to_end(cmd);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    out
}

fn json_of(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON: {out}: {e}"))
}

fn status_json(prefix: &str, subnet: u8) -> Value {
    json_of(&ok(twohost(prefix, subnet, &["status", "--json"])))
}

/// Output of a command on the host, or "" if it fails.
fn host_output(argv: &[&str]) -> String {
    Command::new(argv[0])
        .args(&argv[1..])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// What the host's network looks like: namespaces, nftables ruleset,
/// interfaces, addresses, routes.
#[derive(Debug, PartialEq, Eq)]
struct HostState {
    namespaces: BTreeSet<String>,
    ruleset: String,
    links: String,
    addrs: String,
    routes: String,
}

fn host_state() -> HostState {
    HostState {
        namespaces: host_output(&["ip", "netns", "list"])
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(String::from))
            .collect(),
        ruleset: host_output(&["nft", "list", "ruleset"]),
        // Names and flags only: counters change all the time.
        links: host_output(&["ip", "-o", "link", "show"])
            .lines()
            .map(|l| l.split(" link/").next().unwrap_or(l).to_string() + "\n")
            .collect(),
        addrs: host_output(&["ip", "-o", "addr", "show"]),
        routes: host_output(&["ip", "route", "show", "table", "all"]),
    }
}

/// The host's network is as it was, and no namespace with `marker` in
/// its name is left (other tests' namespaces may come and go meanwhile).
fn assert_untouched(before: &HostState, marker: &str) {
    let after = host_state();
    assert_eq!(
        after.ruleset, before.ruleset,
        "the host's firewall is untouched"
    );
    assert_eq!(
        after.links, before.links,
        "the host's interfaces are untouched"
    );
    assert_eq!(
        after.addrs, before.addrs,
        "the host's addresses are untouched"
    );
    assert_eq!(
        after.routes, before.routes,
        "the host's routes are untouched"
    );
    let ours: Vec<&String> = after
        .namespaces
        .iter()
        .filter(|n| n.contains(marker))
        .collect();
    assert!(ours.is_empty(), "namespaces left behind: {ours:?}");
}

/// Namespaces on the machine whose names contain `marker`.
fn namespaces_with(marker: &str) -> Vec<String> {
    host_state()
        .namespaces
        .into_iter()
        .filter(|n| n.contains(marker))
        .collect()
}

/// True when `nobody` may make user namespaces here; otherwise says why.
fn nobody_can_use_userns(test: &str) -> bool {
    if socklab::sys::is_root() && Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("skipping {test}: `setpriv` (util-linux) is needed to run as nobody");
        return false;
    }
    let probe = run_to_end({
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid",
            NOBODY,
            "--regid",
            NOBODY,
            "--clear-groups",
            "unshare",
            "-rn",
            "true",
        ]);
        c
    });
    if probe.0 != 0 {
        eprintln!(
            "skipping {test}: this system forbids user namespaces to ordinary users: {}",
            socklab::userns::diagnose(
                &socklab::userns::Sysctls::read(),
                &std::io::Error::from_raw_os_error(1)
            )
        );
        return false;
    }
    true
}

/// Stops a network built with the binary when dropped (test failed half way).
struct Down(Command);

impl Drop for Down {
    fn drop(&mut self) {
        let _ = self.0.output();
    }
}

fn down_guard(prefix: &str, subnet: u8, as_user: bool) -> Down {
    Down(if as_user {
        twohost_as_user(prefix, subnet, &["down"])
    } else {
        twohost(prefix, subnet, &["down"])
    })
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(50));
    }
}

fn process_exists(pid: u64) -> bool {
    socklab::netns::process_running(pid as u32)
}

// ---- with sudo -------------------------------------------------------------------

#[test]
fn up_and_down_are_idempotent_and_leave_no_trace() {
    if !can_use_namespaces("up_and_down_are_idempotent_and_leave_no_trace") {
        return;
    }
    let (p, s) = (prefix('i'), 201);
    let _down = down_guard(&p, s, false);
    let before = host_state();

    let out = ok(twohost(&p, s, &["down"]));
    assert!(out.contains("nothing to remove"), "{out}");

    let out = ok(twohost(&p, s, &["up", "--loss", "10", "--delay", "5ms"]));
    for expected in [
        "two hosts up: alice, bob",
        "10.203.201.1",
        "fd00:5:1ab:c9::2",
        "twohost exec alice ",
        "--proto tcp --connect 10.203.201.1",
        "-i veth-alice",
        "link: delay 5 ms each way, loss 10 %",
        "namespaces: socklab-",
    ] {
        assert!(out.contains(expected), "`{expected}` in:\n{out}");
    }
    let status = status_json(&p, s);
    assert_eq!(status["up"], true, "{status}");
    let owner = status["owner"].as_u64().unwrap();
    // Every namespace carries the prefix and the owner's pid.
    let ns = namespaces_with(&format!("-{p}"));
    assert_eq!(ns.len(), 3, "{ns:?}");
    assert!(
        ns.iter()
            .all(|n| n.starts_with(&format!("socklab-{owner}-{p}"))),
        "{ns:?}"
    );

    // Up again rebuilds from scratch, with a new owner.
    let out = ok(twohost(&p, s, &["up"]));
    assert!(
        out.contains("removed the network left from before"),
        "{out}"
    );
    let status = status_json(&p, s);
    assert_eq!(status["loss_percent"], 0.0);
    assert_ne!(status["owner"].as_u64().unwrap(), owner);
    assert!(!process_exists(owner), "the first owner ended");

    // A namespace removed under the owner: status says so, down finishes.
    let bob_ns = status["bob"]["ns"].as_str().unwrap().to_string();
    ok({
        let mut c = Command::new("ip");
        c.args(["netns", "del", &bob_ns]);
        c
    });
    let out = ok(twohost(&p, s, &["status"]));
    assert!(out.contains("half built"), "{out}");
    let out = ok(twohost(&p, s, &["down"]));
    assert!(out.contains("removed alice and bob"), "{out}");
    assert!(ok(twohost(&p, s, &["down"])).contains("nothing to remove"));
    assert_untouched(&before, &format!("-{p}"));
}

#[test]
fn status_set_and_loss_follow_the_network() {
    if !can_use_namespaces("status_set_and_loss_follow_the_network") {
        return;
    }
    let (p, s) = (prefix('s'), 202);
    let _down = down_guard(&p, s, false);
    assert_eq!(status_json(&p, s)["up"], false);
    let out = ok(twohost(&p, s, &["status"]));
    assert!(out.contains("two hosts: down"), "{out}");
    let (code, _, err) = run_to_end(twohost(&p, s, &["loss", "20"]));
    assert_eq!(code, 1);
    assert!(err.contains("not up: run `twohost up` first"), "{err}");

    ok(twohost(
        &p,
        s,
        &[
            "up",
            "--delay",
            "50ms",
            "--jitter",
            "5ms",
            "--rate",
            "10mbit",
            "--loss",
            "2",
            "--reorder",
            "1",
            "--duplicate",
            "1",
        ],
    ));
    let status = status_json(&p, s);
    let link = &status["link"];
    assert_eq!(link["delay_ms"], 50.0);
    assert_eq!(link["jitter_ms"], 5.0);
    assert_eq!(link["rate_bps"], 10_000_000);
    assert_eq!(link["loss_percent"], 2.0);
    assert_eq!(link["reorder_percent"], 1.0);
    assert_eq!(link["duplicate_percent"], 1.0);
    // The fields it always had.
    assert_eq!(status["alice"]["ipv4"], "10.203.202.1");
    assert_eq!(status["bob"]["ipv6"], "fd00:5:1ab:ca::2");
    assert_eq!(status["bob"]["veth"], "veth-bob");
    assert!(status["alice"]["ns"]
        .as_str()
        .unwrap()
        .starts_with("socklab-"));
    assert!(status["alice"]["dropped"].is_u64());

    let out = ok(twohost(&p, s, &["loss", "25"]));
    assert!(
        out.contains("loss 25 %") && out.contains("delay 50 ms"),
        "{out}"
    );
    let out = ok(twohost(
        &p,
        s,
        &["set", "--delay", "30ms", "--rate", "1gbit"],
    ));
    assert!(
        out.contains("delay 30 ms") && out.contains("1 Gbit/s"),
        "{out}"
    );
    let link = status_json(&p, s)["link"].clone();
    assert_eq!(
        (link["delay_ms"].clone(), link["loss_percent"].clone()),
        (30.0.into(), 25.0.into())
    );
    let out = ok(twohost(&p, s, &["status"]));
    assert!(
        out.contains("two hosts: up") && out.contains("alice->bob: "),
        "{out}"
    );
    // A bad change is refused and changes nothing.
    let (code, _, err) = run_to_end(twohost(&p, s, &["set", "--burst", "0.5"]));
    assert_eq!(code, 2, "{err}");
    assert_eq!(status_json(&p, s)["link"]["delay_ms"], 30.0);
    ok(twohost(&p, s, &["down"]));
}

#[test]
fn absurd_values_are_one_line_usage_errors() {
    for args in [
        &["up", "--delay", "-5ms"][..],
        &["up", "--delay", "61s"][..],
        &["up", "--jitter", "2min"][..],
        &["up", "--loss", "150"][..],
        &["up", "--loss", "lots"][..],
        &["up", "--rate", "0mbit"][..],
        &["up", "--rate", "10"][..],
        &["up", "--reorder", "101"][..],
        &["up", "--duplicate", "-1"][..],
        &["up", "--burst", "3"][..],
        &["up", "--queue", "0"][..],
        &["loss", "--", "-5"][..],
        &["loss", "NaN"][..],
        &["loss"][..],
        &["set"][..],
    ] {
        let (code, out, err) = run_to_end(twohost("zz", 250, args));
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        let first = err.lines().next().unwrap_or("");
        assert!(first.starts_with("error: "), "{args:?}: {err}");
    }
    let (_, _, err) = run_to_end(twohost("zz", 250, &["up", "--loss", "150"]));
    assert!(err.contains("from 0 to 100"), "{err}");
    let (_, _, err) = run_to_end(twohost("zz", 250, &["up", "--delay", "-5ms"]));
    assert!(err.contains("cannot be negative"), "{err}");
    let (_, _, err) = run_to_end(twohost("zz", 250, &["up", "--rate", "0mbit"]));
    assert!(err.contains("above 0"), "{err}");
    let (_, _, err) = run_to_end(twohost("zz", 250, &["up", "--delay", "61s"]));
    assert!(err.contains("longer than a minute"), "{err}");
}

/// Start a network, send `signal` to its owner, and check what is left.
fn signal_the_owner(signal: &str, tag: char, subnet: u8) {
    let p = prefix(tag);
    let _down = down_guard(&p, subnet, false);
    let before = host_state();
    ok(twohost(&p, subnet, &["up", "--delay", "1ms"]));
    let owner = status_json(&p, subnet)["owner"].as_u64().unwrap();
    assert_eq!(namespaces_with(&format!("-{p}")).len(), 3);
    ok({
        let mut c = Command::new("kill");
        c.args([signal, &owner.to_string()]);
        c
    });
    wait_until("the owner to end", || !process_exists(owner));
    if signal == "-KILL" {
        // Nobody could clean up: the namespaces are still there, status
        // says they are leftovers, and the next run removes them.
        assert_eq!(namespaces_with(&format!("-{p}")).len(), 3);
        let out = ok(twohost(&p, subnet, &["status"]));
        assert!(out.contains("left by a run that was killed"), "{out}");
        let out = ok(twohost(&p, subnet, &["up"]));
        assert!(
            out.contains("removed the network left from before"),
            "{out}"
        );
        assert!(namespaces_with(&format!("socklab-{owner}-")).is_empty());
        ok(twohost(&p, subnet, &["down"]));
    } else {
        wait_until("the namespaces to go", || {
            namespaces_with(&format!("-{p}")).is_empty()
        });
        let out = ok(twohost(&p, subnet, &["status"]));
        assert!(out.contains("two hosts: down"), "{out}");
    }
    assert_untouched(&before, &format!("-{p}"));
}

#[test]
fn sigint_of_the_owner_removes_everything() {
    if can_use_namespaces("sigint_of_the_owner_removes_everything") {
        signal_the_owner("-INT", 'c', 205);
    }
}

#[test]
fn sigterm_of_the_owner_removes_everything() {
    if can_use_namespaces("sigterm_of_the_owner_removes_everything") {
        signal_the_owner("-TERM", 't', 206);
    }
}

#[test]
fn sigkill_of_the_owner_leaves_namespaces_that_the_next_run_removes() {
    if can_use_namespaces("sigkill_of_the_owner_leaves_namespaces_that_the_next_run_removes") {
        signal_the_owner("-KILL", 'k', 207);
    }
}

// ---- what the link measurably does ------------------------------------------------

/// One UDP round trip from alice to an echo on bob: its time.
fn udp_rtts(net: &Net, count: usize) -> Vec<Duration> {
    let bob_ns = net.hosts.bob.ns.clone();
    let alice_ns = net.hosts.alice.ns.clone();
    let bob_addr = SocketAddr::new(net.hosts.bob.v4.into(), 7007);
    let echo = thread::spawn(move || {
        in_namespace(&bob_ns, move || {
            let s = UdpSocket::bind(bob_addr)?;
            s.set_read_timeout(Some(Duration::from_secs(10)))?;
            let mut buf = [0u8; 64];
            for _ in 0..count {
                let (n, from) = s.recv_from(&mut buf)?;
                s.send_to(&buf[..n], from)?;
            }
            Ok(())
        })
    });
    thread::sleep(Duration::from_millis(300));
    let rtts = in_namespace(&alice_ns, move || {
        let s = UdpSocket::bind("0.0.0.0:0")?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut out = Vec::new();
        let mut buf = [0u8; 64];
        for i in 0..count {
            let start = Instant::now();
            s.send_to(&(i as u32).to_be_bytes(), bob_addr)?;
            s.recv_from(&mut buf)?;
            out.push(start.elapsed());
        }
        Ok(out)
    })
    .expect("round trips through the link");
    echo.join().unwrap().expect("the echo on bob");
    rtts
}

#[test]
fn a_delay_shows_in_the_measured_round_trip() {
    if !can_use_namespaces("a_delay_shows_in_the_measured_round_trip") {
        return;
    }
    let delay = Duration::from_millis(40);
    let net = Net::with(
        'd',
        208,
        Impairments {
            delay,
            ..Impairments::default()
        },
    );
    let rtts = udp_rtts(&net, 5);
    // The first may include ARP (delayed too); every one crosses the link twice.
    for rtt in &rtts {
        assert!(
            *rtt >= delay * 3 / 2,
            "round trip {rtt:?} with a one-way delay of {delay:?}"
        );
    }
    let plain = Net::up('e', 209, 0.0);
    let fast = udp_rtts(&plain, 5);
    eprintln!("RTT with 40 ms each way: {rtts:?}; with no delay: {fast:?}");
}

#[test]
fn a_change_of_the_link_applies_to_the_very_next_packet() {
    if !can_use_namespaces("a_change_of_the_link_applies_to_the_very_next_packet") {
        return;
    }
    let net = Net::up('g', 216, 0.0);
    let bob_ns = net.hosts.bob.ns.clone();
    let bob_addr = SocketAddr::new(net.hosts.bob.v4.into(), 7010);
    let rounds = 5;
    let echo = thread::spawn(move || {
        in_namespace(&bob_ns, move || {
            let s = UdpSocket::bind(bob_addr)?;
            s.set_read_timeout(Some(Duration::from_secs(10)))?;
            let mut buf = [0u8; 16];
            for _ in 0..rounds + 1 {
                let (n, from) = s.recv_from(&mut buf)?;
                s.send_to(&buf[..n], from)?;
            }
            Ok(())
        })
    });
    let delay = Duration::from_millis(60);
    let rtts = in_namespace(&net.hosts.alice.ns.clone(), || {
        let s = UdpSocket::bind("0.0.0.0:0")?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut buf = [0u8; 16];
        // One exchange first, so that ARP is done.
        thread::sleep(Duration::from_millis(200));
        s.send_to(b"warm", bob_addr)?;
        s.recv_from(&mut buf)?;
        let mut rtts = Vec::new();
        for i in 0..rounds {
            // The link sleeps between frames; the change must wake it.
            thread::sleep(Duration::from_millis(30));
            net.network
                .set_impairments(Impairments {
                    delay: delay * (i % 2),
                    ..Impairments::default()
                })
                .expect("set the delay");
            let start = Instant::now();
            s.send_to(b"ping", bob_addr)?;
            s.recv_from(&mut buf)?;
            rtts.push(start.elapsed());
        }
        Ok(rtts)
    })
    .expect("round trips");
    echo.join().unwrap().expect("the echo on bob");
    // Every round with the delay set must show it (rounds without it are
    // not timed: no upper bounds on a busy machine).
    for (i, rtt) in rtts.iter().enumerate().filter(|(i, _)| i % 2 == 1) {
        assert!(
            *rtt >= delay * 3 / 2,
            "round {i}: {rtt:?} for {delay:?} each way: {rtts:?}"
        );
    }
}

/// Send `n` numbered datagrams from alice to bob; what bob saw:
/// (missing, duplicates, late) by the receiver's own count.
fn numbered_datagrams(net: &Net, n: u32) -> (u64, u64, u64) {
    let bob_ns = net.hosts.bob.ns.clone();
    let alice_ns = net.hosts.alice.ns.clone();
    let bob_addr = SocketAddr::new(net.hosts.bob.v4.into(), 7008);
    let receiver = thread::spawn(move || {
        in_namespace(&bob_ns, move || {
            let s = UdpSocket::bind(bob_addr)?;
            s.set_read_timeout(Some(Duration::from_millis(1500)))?;
            let mut seen: BTreeMap<u32, u64> = BTreeMap::new();
            let (mut late, mut max) = (0u64, None::<u32>);
            let mut buf = [0u8; 64];
            while let Ok((len, _)) = s.recv_from(&mut buf) {
                if len < 4 {
                    continue;
                }
                let seq = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
                let count = seen.entry(seq).or_insert(0);
                *count += 1;
                if *count == 1 && max.is_some_and(|m| m > seq) {
                    late += 1;
                }
                max = max.max(Some(seq));
            }
            let missing = (0..n).filter(|q| !seen.contains_key(q)).count() as u64;
            let dups = seen.values().map(|c| c - 1).sum();
            Ok((missing, dups, late))
        })
    });
    thread::sleep(Duration::from_millis(300));
    in_namespace(&alice_ns, move || {
        let s = UdpSocket::bind("0.0.0.0:0")?;
        for i in 0..n {
            s.send_to(&i.to_be_bytes(), bob_addr)?;
            // 2,000 a second: the receiver keeps up, only the link loses.
            thread::sleep(Duration::from_micros(500));
        }
        Ok(())
    })
    .expect("send from alice");
    receiver.join().unwrap().expect("receive on bob")
}

#[test]
fn the_link_counts_exactly_what_the_receiver_saw() {
    if !can_use_namespaces("the_link_counts_exactly_what_the_receiver_saw") {
        return;
    }
    let net = Net::with(
        'x',
        210,
        Impairments {
            loss_percent: 5.0,
            reorder_percent: 5.0,
            duplicate_percent: 5.0,
            ..Impairments::default()
        },
    );
    // Let the hosts' own start-up chatter (ARP, ND) pass first.
    thread::sleep(Duration::from_millis(200));
    let before = net.stats("alice", "bob");
    let (missing, dups, late) = numbered_datagrams(&net, 2000);
    let after = net.stats("alice", "bob");
    let link = (
        after.dropped() - before.dropped(),
        after.duplicated - before.duplicated,
        after.reordered - before.reordered,
    );
    eprintln!("receiver: {missing} missing, {dups} duplicates, {late} late; link: {link:?}");
    assert_eq!((missing, dups, late), link, "(lost, duplicated, reordered)");
    // And they really happened: about 5 % each of 2,000.
    for (what, n) in [("lost", missing), ("duplicated", dups), ("reordered", late)] {
        assert!((30..=200).contains(&n), "{what}: {n}");
    }
}

#[test]
fn with_carol_one_udp_server_answers_two_clients() {
    if !can_use_namespaces("with_carol_one_udp_server_answers_two_clients") {
        return;
    }
    let (p, s) = (prefix('3'), 217);
    let _down = down_guard(&p, s, false);
    let out = ok(twohost(&p, s, &["up", "--carol", "--delay", "2ms"]));
    assert!(out.contains("three hosts up: alice, bob, carol"), "{out}");
    assert!(out.contains("carol    veth-carol   10.203.217.3"), "{out}");
    let status = status_json(&p, s);
    assert_eq!(status["carol"]["ipv4"], "10.203.217.3");
    let mut server = Running::start(
        "udp_server",
        twohost(
            &p,
            s,
            &[
                "exec",
                "carol",
                env!("CARGO_BIN_EXE_udp_server"),
                "--host",
                "10.203.217.3",
                "--port",
                "7011",
            ],
        ),
    );
    server.wait_line("listening on");
    for (host, addr) in [("alice", "10.203.217.1"), ("bob", "10.203.217.2")] {
        let out = ok(twohost(
            &p,
            s,
            &[
                "exec",
                host,
                env!("CARGO_BIN_EXE_udp_client"),
                "--host",
                "10.203.217.3",
                "--port",
                "7011",
                "-m",
                host,
            ],
        ));
        assert!(
            out.contains(&format!("reply from 10.203.217.3:7011: {host}")),
            "{out}"
        );
        server.wait_line(&format!("from {addr}:"));
    }
    // Each pair of hosts has its own path through the link.
    let dirs = status_json(&p, s)["directions"].clone();
    for d in ["alice->carol", "carol->alice", "bob->carol", "carol->bob"] {
        assert!(dirs[d]["forwarded"].as_u64().unwrap() > 0, "{d}: {dirs}");
    }
    assert!(server.is_running());
    ok(twohost(&p, s, &["down"]));
}

// ---- without root ----------------------------------------------------------------

#[test]
fn as_nobody_the_network_lives_in_a_user_namespace_and_leaves_nothing() {
    if !nobody_can_use_userns("as_nobody_the_network_lives_in_a_user_namespace_and_leaves_nothing")
    {
        return;
    }
    let (p, s) = (prefix('n'), 211);
    let _down = down_guard(&p, s, true);
    let before = host_state();
    let out = ok(twohost_as_user(&p, s, &["up", "--delay", "100ms"]));
    assert!(
        out.contains("without root: in your own user namespace"),
        "{out}"
    );
    assert!(!out.contains("sudo"), "no sudo in the examples: {out}");
    // Nothing on the machine.
    assert!(namespaces_with(&format!("-{p}")).is_empty());
    let status = json_of(&ok(twohost_as_user(&p, s, &["status", "--json"])));
    assert_eq!(
        (status["up"].clone(), status["private"].clone()),
        (true.into(), true.into()),
        "{status}"
    );
    // Programs run on the hosts, and the delay shows: a UDP exchange from
    // alice to bob crosses the link twice.
    let ip = ok(twohost_as_user(
        &p,
        s,
        &["exec", "alice", "ip", "-br", "addr"],
    ));
    assert!(ip.contains("10.203.211.1/24"), "{ip}");
    let mut server = Running::start(
        "udp_server",
        twohost_as_user(
            &p,
            s,
            &[
                "exec",
                "bob",
                env!("CARGO_BIN_EXE_udp_server"),
                "--host",
                "10.203.211.2",
                "--port",
                "7009",
            ],
        ),
    );
    server.wait_line("listening on");
    let start = Instant::now();
    let out = ok(twohost_as_user(
        &p,
        s,
        &[
            "exec",
            "alice",
            env!("CARGO_BIN_EXE_udp_client"),
            "--host",
            "10.203.211.2",
            "--port",
            "7009",
            "-m",
            "hi",
        ],
    ));
    let took = start.elapsed();
    assert!(out.contains("reply from 10.203.211.2:7009: hi"), "{out}");
    assert!(
        took >= Duration::from_millis(150),
        "a 100 ms link each way, yet {took:?}"
    );
    assert!(server.is_running());
    // Changing it works the same.
    let out = ok(twohost_as_user(&p, s, &["set", "--loss", "5"]));
    assert!(out.contains("loss 5 %"), "{out}");
    let out = ok(twohost_as_user(&p, s, &["down"]));
    assert!(out.contains("removed alice and bob"), "{out}");
    // The program on bob went with the network.
    let _ = server.wait_exit();
    assert_untouched(&before, &format!("-{p}"));
    let out = ok(twohost_as_user(&p, s, &["status"]));
    assert!(out.contains("two hosts: down"), "{out}");
}

#[test]
fn as_nobody_even_sigkill_of_the_owner_leaves_nothing() {
    if !nobody_can_use_userns("as_nobody_even_sigkill_of_the_owner_leaves_nothing") {
        return;
    }
    for (signal, tag, subnet) in [("-INT", 'q', 212), ("-TERM", 'r', 213), ("-KILL", 'z', 214)] {
        let p = prefix(tag);
        let _down = down_guard(&p, subnet, true);
        let before = host_state();
        ok(twohost_as_user(&p, subnet, &["up"]));
        let owner = json_of(&ok(twohost_as_user(&p, subnet, &["status", "--json"])))["owner"]
            .as_u64()
            .unwrap();
        ok({
            let mut c = Command::new("kill");
            c.args([signal, &owner.to_string()]);
            c
        });
        wait_until("the owner to end", || !process_exists(owner));
        let out = ok(twohost_as_user(&p, subnet, &["status"]));
        assert!(out.contains("two hosts: down"), "{signal}: {out}");
        assert_untouched(&before, &format!("-{p}"));
    }
}

#[test]
fn as_nobody_a_network_built_with_sudo_is_seen_but_not_entered() {
    if !can_use_namespaces("as_nobody_a_network_built_with_sudo_is_seen_but_not_entered")
        || !nobody_can_use_userns("as_nobody_a_network_built_with_sudo_is_seen_but_not_entered")
    {
        return;
    }
    let (p, s) = (prefix('w'), 215);
    let _down = down_guard(&p, s, false);
    ok(twohost(&p, s, &["up"]));
    let out = ok(twohost_as_user(&p, s, &["status"]));
    assert!(out.starts_with("two hosts: up"), "{out}");
    let (code, _, err) = run_to_end(twohost_as_user(&p, s, &["exec", "alice", "true"]));
    assert_eq!(code, 1);
    assert!(err.contains("built with sudo"), "{err}");
    let (code, _, err) = run_to_end(twohost_as_user(&p, s, &["down"]));
    assert_eq!(code, 1, "nobody may not remove root's network: {err}");
    assert!(
        err.contains("only the user who built this network"),
        "{err}"
    );
    ok(twohost(&p, s, &["down"]));
}

#[test]
fn capture_on_alices_veth_sees_the_chat_and_its_calls() {
    if !can_use_namespaces("capture_on_alices_veth_sees_the_chat_and_its_calls") {
        return;
    }
    let net = Net::up('p', 203, 0.0);
    let (alice, bob) = (&net.hosts.alice, &net.hosts.bob);
    let events = events_socket("twohost-capture");
    let mut capture = alice.command(env!("CARGO_BIN_EXE_capture"));
    capture
        .args(["-i", &alice.veth, "--json", "tcp", "port", "5005"])
        .env("SOCKLAB_EVENTS", &events);
    let mut capture = Running::start("capture", capture);
    // capture says it listens on stderr.
    capture.wait_stderr(&format!("listening on {}", alice.veth));
    let chat_with_events = |host: &socklab::netns::Host, args: &[&str]| {
        let mut c = chat_on(host, args);
        c.env("SOCKLAB_EVENTS", &events);
        c
    };
    let mut a = Running::start(
        "alice",
        chat_with_events(
            alice,
            &["--proto", "tcp", "--listen", "--name", "alice", "--quiet"],
        ),
    );
    a.wait_line("listening on");
    let to_alice = alice.v4.to_string();
    let mut b = Running::start(
        "bob",
        chat_with_events(
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
    b.wait_line("chatting with");
    b.type_line("hello alice");
    a.wait_line("bob #1: hello alice");
    b.type_line("/quit");
    assert!(a.wait_exit().success());
    assert!(b.wait_exit().success());
    thread::sleep(Duration::from_millis(800));
    let pid = capture.pid().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(capture.wait_exit().success(), "{}", capture.dump());
    let objs: Vec<Value> = capture
        .stdout_lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    let conn = objs
        .iter()
        .find(|o| o["type"] == "connection")
        .unwrap_or_else(|| panic!("a connection summary in {objs:#?}"));
    assert_eq!(conn["handshake"], "complete", "{conn}");
    assert_eq!(conn["server"], format!("{}:5005", alice.v4));
    assert!(conn["client"]
        .as_str()
        .unwrap()
        .starts_with(&bob.v4.to_string()));
    let calls: BTreeSet<&str> = objs
        .iter()
        .filter(|o| o["type"] == "call" && o["prog"] == "chat")
        .filter_map(|o| o["call"].as_str())
        .collect();
    for call in [
        "listen", "accept", "connect", "send", "recv", "shutdown", "close",
    ] {
        assert!(calls.contains(call), "event for {call} in {calls:?}");
    }
    let _ = std::fs::remove_file(&events);
}
