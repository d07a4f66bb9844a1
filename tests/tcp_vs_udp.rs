//! tcp_vs_udp on loopback (no root): the overload scenario, a clean run, the
//! JSON fields and the usage errors. The lossy scenario's tests, which need
//! root, are in `tcp_vs_udp_lossy.rs`.
//!
//! No timing assertions: these run on a loaded two-core machine.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tcp_vs_udp")
}

/// Run tcp_vs_udp with `args`; kill it (by its pid, through its handle)
/// after `limit`.
fn run(args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tcp_vs_udp starts");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "tcp_vs_udp {args:?} still running after {limit:?}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// The JSON objects of a `--json` run, one per protocol, checked for success.
fn json_runs(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = run(&all, Duration::from_secs(120));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn proto<'a>(runs: &'a [Value], name: &str) -> &'a Value {
    runs.iter()
        .find(|r| r["proto"] == name)
        .unwrap_or_else(|| panic!("no {name} object in {runs:?}"))
}

fn u(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a count in {v}"))
}

#[test]
fn overload_udp_loses_what_the_kernel_drops_and_tcp_loses_nothing() {
    // A receiver that sleeps 0.2 ms per message against a sender that
    // does not wait: UDP's receive buffer overflows, TCP's sender is held back.
    let runs = json_runs(&["--messages", "3000", "--recv-delay", "0.2ms"]);
    assert_eq!(runs.len(), 2);

    let tcp = proto(&runs, "tcp");
    assert_eq!(tcp["scenario"], "overload");
    assert_eq!(u(tcp, "sent"), 3000);
    assert_eq!(u(tcp, "delivered"), 3000);
    assert_eq!(u(tcp, "lost"), 0, "TCP loses nothing: {tcp}");
    assert_eq!(u(tcp, "duplicated"), 0);
    assert_eq!(u(tcp, "reordered"), 0);
    // Loopback loses nothing, yet a busy machine delays ACKs past the
    // retransmission timers (the tail-loss probe fires after about two
    // round trips; the ACK of our FIN waits while the slow receiver drains
    // its buffer): TCP then sends again a segment the receiver already has,
    // and the receiver reports the copy with a D-SACK. So every
    // retransmission here must be one the receiver called needless, except
    // at most the last: a copy that crosses the receiver's FIN is reported
    // after our socket has left the connection (TIME-WAIT), too late to count.
    let retransmissions = u(tcp, "retransmissions");
    let needless = u(tcp, "spurious_retransmissions");
    assert!(
        needless <= retransmissions && retransmissions - needless <= 1,
        "loopback loses nothing: {retransmissions} retransmissions, only {needless} of them reported as needless: {tcp}"
    );

    let udp = proto(&runs, "udp");
    assert_eq!(u(udp, "sent"), 3000);
    let lost = u(udp, "lost");
    assert!(lost > 0, "a slow UDP receiver loses datagrams: {udp}");
    assert_eq!(u(udp, "delivered") + lost, 3000);
    // The kernel counts every datagram it dropped on the socket: the lost
    // messages and any end or warm-up marker. On a loaded machine a datagram
    // can also be dropped before it reaches the socket (the loopback
    // backlog), which no socket counter sees: allow 1% of that.
    let drops = u(udp, "socket_drops");
    let accounted = lost + u(udp, "markers_lost");
    assert!(
        drops <= accounted && accounted - drops <= 30,
        "socket drops {drops} vs {accounted} datagrams missing: {udp}"
    );
    // RcvbufErrors counts for the whole machine: at least our drops.
    assert!(
        u(udp, "rcvbuf_errors") >= drops,
        "RcvbufErrors below this socket's drops: {udp}"
    );
}

#[test]
fn loopback_without_overload_delivers_everything() {
    // No receiver delay, a paced sender and a receive buffer with room for
    // a long pause of the receiving thread: nothing should be lost.
    let runs = json_runs(&[
        "--messages",
        "2000",
        "--recv-delay",
        "0",
        "--rate",
        "10000",
        "--rcvbuf",
        "4M",
    ]);
    for name in ["tcp", "udp"] {
        let r = proto(&runs, name);
        assert_eq!(u(r, "delivered"), 2000, "{r}");
        assert_eq!(u(r, "lost"), 0, "{r}");
        assert_eq!(u(r, "duplicated"), 0, "{r}");
        assert!(r["p50_ms"].as_f64().is_some() && r["p99_ms"].as_f64().is_some());
        assert!(r["elapsed_s"].as_f64().unwrap() > 0.0);
        assert!(r["throughput_mbps"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn json_objects_carry_every_documented_field() {
    let runs = json_runs(&["--messages", "200", "--recv-delay", "0", "--rcvbuf", "1M"]);
    for r in &runs {
        for key in [
            "proto",
            "scenario",
            "loss_percent",
            "messages",
            "size",
            "sent",
            "delivered",
            "lost",
            "duplicated",
            "reordered",
            "elapsed_s",
            "throughput_mbps",
            "p50_ms",
            "p99_ms",
            "retransmissions",
            "rcvbuf_errors",
        ] {
            assert!(r.get(key).is_some(), "no `{key}` in {r}");
        }
        assert_eq!(u(r, "messages"), 200);
        assert_eq!(u(r, "size"), 1000);
        assert_eq!(r["loss_percent"].as_f64(), Some(0.0));
    }
    assert!(proto(&runs, "tcp")["rcvbuf_errors"].is_null());
    assert!(proto(&runs, "udp")["retransmissions"].is_null());
}

#[test]
fn the_largest_datagram_size_works() {
    let runs = json_runs(&[
        "--messages",
        "20",
        "--size",
        "65507",
        "--recv-delay",
        "0",
        "--rcvbuf",
        "4M",
        "--rate",
        "200",
    ]);
    for name in ["tcp", "udp"] {
        assert_eq!(u(proto(&runs, name), "delivered"), 20);
    }
}

#[test]
fn the_table_shows_both_protocols_and_what_they_mean() {
    let out = run(
        &["--messages", "500", "--recv-delay", "0.2ms", "--quiet"],
        Duration::from_secs(120),
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "proto",
        "delivered",
        "p99 latency",
        "TCP",
        "UDP",
        "none (loopback)",
        "never reached the application",
        "flow control",
    ] {
        assert!(text.contains(needle), "no `{needle}` in:\n{text}");
    }
    assert!(
        !text.contains("socket("),
        "--quiet hides the narration:\n{text}"
    );
}

#[test]
fn narration_shows_the_calls_once_not_per_message() {
    let out = run(
        &["--messages", "300", "--recv-delay", "0", "--rcvbuf", "1M"],
        Duration::from_secs(120),
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for call in [
        "socket(", "bind(", "listen(", "accept()", "connect(", "close()",
    ] {
        assert!(text.contains(call), "no `{call}` narrated:\n{text}");
    }
    assert!(text.contains("x 300 calls"), "{text}");
    assert!(
        text.lines().count() < 60,
        "one line per call, not per message:\n{text}"
    );
}

/// Run with bad options: exit code 2, and stderr says `expected`.
fn usage_error(args: &[&str], expected: &str) {
    let out = run(args, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        stderr.contains(expected),
        "{args:?}: expected `{expected}` in: {stderr}"
    );
    assert!(out.stdout.is_empty(), "{args:?} ran anyway");
}

#[test]
fn sizes_that_no_message_can_have_are_usage_errors() {
    usage_error(&["--size", "0"], "at least 24 bytes");
    usage_error(&["--size", "10"], "at least 24 bytes");
    usage_error(
        &["--size", "65508"],
        "larger than a UDP datagram can carry (65507 bytes over IPv4)",
    );
    usage_error(&["--size", "1T"], "larger than a UDP datagram can carry");
    usage_error(&["--size", "99999999999T"], "too large");
    usage_error(&["--size", "lots"], "is not a size");
}

#[test]
fn loss_outside_0_to_100_is_a_usage_error() {
    usage_error(
        &["--scenario", "lossy", "--loss", "150"],
        "percentage from 0 to 100",
    );
    usage_error(
        &["--scenario", "lossy", "--loss", "-5"],
        "percentage from 0 to 100",
    );
    usage_error(&["--scenario", "lossy", "--sweep", "0,10,101"], "not `101`");
    usage_error(
        &["--scenario", "lossy", "--loss", "ten"],
        "percentage from 0 to 100",
    );
}

#[test]
fn other_bad_input_is_a_usage_error() {
    usage_error(&["--messages", "0"], "--messages");
    usage_error(&["--rate", "0"], "not a rate");
    usage_error(&["--rate", "fast"], "or max");
    usage_error(
        &["--scenario", "lossy"],
        "needs --loss PERCENT or --sweep LIST",
    );
    usage_error(&["--loss", "10"], "--loss belongs to --scenario lossy");
    usage_error(&["--svg", "x.svg"], "--svg belongs to --scenario lossy");
    usage_error(
        &["--scenario", "lossy", "--loss", "5", "--sweep", "1,2"],
        "cannot be used with",
    );
    usage_error(
        &[
            "--scenario",
            "lossy",
            "--loss",
            "5",
            "--iperf3",
            "--proto",
            "tcp",
        ],
        "--iperf3 compares UDP loss",
    );
}

#[test]
fn help_lists_the_scenarios_but_not_the_internal_roles() {
    let out = run(&["--help"], Duration::from_secs(30));
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--scenario",
        "overload",
        "lossy",
        "--sweep",
        "--json",
        "--svg",
        "Examples:",
    ] {
        assert!(help.contains(needle), "no `{needle}` in --help");
    }
    assert!(!help.contains("Commands:"), "hidden roles shown:\n{help}");
}
