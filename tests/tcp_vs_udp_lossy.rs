//! tcp_vs_udp's lossy scenario: two hosts and socklab's link between them.
//! Tests as root skip when not root; tests as `nobody` (setpriv) skip where
//! user namespaces are forbidden.
//!
//! Each run builds its own namespaces, named after its pid
//! (`socklab-<pid>-lossy-alice`, `...-bob`, `...-link`), so tests can run in
//! parallel and check that theirs are gone.
//!
//! A 95% interval is missed one time in twenty by design: tests about it
//! allow one more run before failing (two misses in a row: 1 in 400).

mod harness;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use harness::can_use_namespaces as can_use_netns;
use serde_json::Value;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tcp_vs_udp")
}

fn spawn(args: &[&str]) -> Child {
    Command::new(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tcp_vs_udp starts")
}

/// Wait for `child`, killing it (through its handle) after `limit`.
fn finish(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "still running after {limit:?}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// The namespace name prefix of the run with process id `pid`.
fn prefix(pid: u32) -> String {
    format!("socklab-{pid}-lossy-")
}

fn namespaces_with(prefix: &str) -> Vec<String> {
    let out = Command::new("ip").args(["netns", "list"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|ns| ns.starts_with(prefix))
        .map(String::from)
        .collect()
}

/// Role processes of the run `prefix` (their command line holds
/// `--run-id <prefix>alice` or `--run-id <prefix>bob`).
fn processes_with(prefix: &str) -> Vec<u32> {
    let names = [format!("{prefix}alice"), format!("{prefix}bob")];
    processes_named(&names)
}

/// The machine's network, for before/after comparisons.
fn host_network() -> (String, String, String) {
    let out = |argv: &[&str]| {
        Command::new(argv[0])
            .args(&argv[1..])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    };
    (
        out(&["nft", "list", "ruleset"]),
        out(&["ip", "-o", "link", "show"])
            .lines()
            .map(|l| l.split(" link/").next().unwrap_or(l).to_string() + "\n")
            .collect(),
        out(&["ip", "-o", "addr", "show"]),
    )
}

/// Processes whose command line holds `--run-id NAME` for one of `names`.
fn processes_named(names: &[String]) -> Vec<u32> {
    let needles: Vec<String> = names.iter().map(|n| format!("--run-id\0{n}\0")).collect();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline);
            if needles.iter().any(|n| cmdline.contains(n.as_str())) {
                found.push(pid);
            }
        }
    }
    found
}

/// Run to the end with `--json`; the objects, after checking that the
/// run's namespaces are gone.
fn json_run(args: &[&str], limit: Duration) -> Vec<Value> {
    let mut all = vec!["--scenario", "lossy", "--json"];
    all.extend_from_slice(args);
    let child = spawn(&all);
    let pid = child.id();
    let out = finish(child, limit);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{all:?} failed: {stderr}");
    assert_eq!(
        namespaces_with(&prefix(pid)),
        Vec::<String>::new(),
        "namespaces left behind"
    );
    assert_eq!(
        processes_with(&prefix(pid)),
        Vec::<u32>::new(),
        "processes left behind"
    );
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

fn f(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

const LIMIT: Duration = Duration::from_secs(180);

#[test]
fn at_20_percent_udp_loses_the_link_share_and_tcp_delivers_everything() {
    if !can_use_netns("at_20_percent_udp_loses_the_link_share_and_tcp_delivers_everything") {
        return;
    }
    // 100-byte messages: 2,000 of them make ~140 TCP segments, which TCP
    // gets through 20% loss each way in seconds (1,000-byte messages take
    // minutes: see docs/findings.md).
    let args = ["--loss", "20", "--messages", "2000", "--size", "100"];
    let runs = json_run(&args, LIMIT);
    assert_eq!(runs.len(), 2);

    let tcp = proto(&runs, "tcp");
    assert_eq!(tcp["scenario"], "lossy");
    assert_eq!(f(tcp, "loss_percent"), 20.0);
    assert_eq!(u(tcp, "delivered"), 2000, "{tcp}");
    assert_eq!(u(tcp, "lost"), 0);
    assert_eq!(u(tcp, "duplicated"), 0, "TCP hands each byte over once");
    assert_eq!(u(tcp, "reordered"), 0, "and in order");
    assert!(
        u(tcp, "retransmissions") > 0,
        "TCP repaired the losses: {tcp}"
    );

    let mut udp = proto(&runs, "udp").clone();
    let (lo, hi) = (f(&udp, "expected_loss_low"), f(&udp, "expected_loss_high"));
    // 20 ± 1.96·sqrt(0.2·0.8/2000) = 20 ± 1.753
    assert!(
        (lo - 18.247).abs() < 0.01 && (hi - 21.753).abs() < 0.01,
        "{udp}"
    );
    if udp["loss_within_interval"] != true {
        eprintln!(
            "UDP loss outside the 95% interval once (expected 1 time in 20), running again: {udp}"
        );
        let mut again = args.to_vec();
        again.extend(["--proto", "udp"]);
        udp = proto(&json_run(&again, LIMIT), "udp").clone();
    }
    let measured = f(&udp, "lost_percent_measured");
    assert!(
        udp["loss_within_interval"] == true && (lo..=hi).contains(&measured),
        "UDP loss {measured}% outside {lo}–{hi}% twice: {udp}"
    );
    assert_eq!(u(&udp, "sent"), 2000);
    assert_eq!(
        u(&udp, "rcvbuf_errors"),
        0,
        "only the link should lose: {udp}"
    );
    // Every missing datagram was dropped by the link on the way to bob, and
    // the link dropped nothing else (it never drops neighbour discovery).
    let missing = u(&udp, "lost") + u(&udp, "markers_lost");
    let dropped = u(&udp, "link_drops_to_receiver");
    assert_eq!(
        dropped, missing,
        "link dropped {dropped}, {missing} missing: {udp}"
    );
}

#[test]
fn at_10_percent_udp_loss_agrees_with_iperf3() {
    if !can_use_netns("at_10_percent_udp_loss_agrees_with_iperf3") {
        return;
    }
    if Command::new("iperf3").arg("-v").output().is_err() {
        eprintln!("skipping at_10_percent_udp_loss_agrees_with_iperf3: iperf3 is not installed");
        return;
    }
    // Two independent samples of 10,000 at 10% differ by more than one
    // point about 2% of the time: allow one more run.
    let args = [
        "--loss",
        "10",
        "--messages",
        "10000",
        "--proto",
        "udp",
        "--iperf3",
    ];
    let mut last = Value::Null;
    for attempt in 1..=2 {
        let runs = json_run(&args, LIMIT);
        let udp = proto(&runs, "udp").clone();
        let ours = f(&udp, "lost_percent_measured");
        let theirs = f(&udp, "iperf3_lost_percent");
        assert_eq!(u(&udp, "iperf3_packets"), 10_000, "{udp}");
        if (9.0..=11.0).contains(&ours) && (ours - theirs).abs() <= 1.0 {
            return;
        }
        eprintln!("attempt {attempt}: tcp_vs_udp {ours}%, iperf3 {theirs}%");
        last = udp;
    }
    panic!("UDP loss not within 9–11% or not within one point of iperf3, twice: {last}");
}

#[test]
fn a_sweep_gives_one_object_per_protocol_per_rate_and_a_plot() {
    if !can_use_netns("a_sweep_gives_one_object_per_protocol_per_rate_and_a_plot") {
        return;
    }
    let dir = harness::fresh_dir();
    let svg = dir.path().join("sweep.svg");
    let svg_arg = svg.to_string_lossy().into_owned();
    let runs = json_run(
        &[
            "--sweep",
            "0,10",
            "--messages",
            "500",
            "--size",
            "100",
            "--svg",
            &svg_arg,
        ],
        LIMIT,
    );
    let keys: Vec<(String, f64)> = runs
        .iter()
        .map(|r| {
            (
                r["proto"].as_str().unwrap().to_string(),
                f(r, "loss_percent"),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("tcp".to_string(), 0.0),
            ("udp".to_string(), 0.0),
            ("tcp".to_string(), 10.0),
            ("udp".to_string(), 10.0)
        ]
    );
    // With no loss on the link, both deliver everything.
    assert_eq!(u(&runs[0], "delivered"), 500);
    assert_eq!(u(&runs[1], "delivered"), 500, "{}", runs[1]);
    assert_eq!(u(&runs[2], "delivered"), 500);
    let text = std::fs::read_to_string(&svg).expect("the SVG was written");
    assert!(text.starts_with("<svg") && text.contains("TCP") && text.contains("UDP"));
}

/// A long run (one million TCP messages at 20 % loss) that is still going
/// when it is interrupted.
fn long_run(as_nobody: bool) -> Command {
    let args = [
        "--scenario",
        "lossy",
        "--loss",
        "20",
        "--messages",
        "1000000",
        "--proto",
        "tcp",
        "--quiet",
    ];
    if as_nobody {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            bin(),
        ])
        .args(args)
        .current_dir("/")
        .env("LC_ALL", "C");
        c
    } else {
        let mut c = Command::new(bin());
        c.args(args).env("LC_ALL", "C");
        c
    }
}

/// Start a long run, wait until its sender runs in alice, send `signal`,
/// and check what is left: nothing, or (SIGKILL as root) namespaces that
/// the next run removes.
fn interrupt_leaves_nothing_behind(signal: &str, as_nobody: bool) {
    let before = host_network();
    let mut child = long_run(as_nobody)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tcp_vs_udp starts");
    let pid = child.id();
    let prefix = prefix(pid);
    let start = Instant::now();
    let sender = [format!("{prefix}alice")];
    while processes_named(&sender).is_empty() {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "ended before it could be interrupted: {status}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the sender never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let on_the_machine = if as_nobody { 0 } else { 3 };
    assert_eq!(namespaces_with(&prefix).len(), on_the_machine);
    let role_pids = processes_with(&prefix);
    assert_eq!(role_pids.len(), 2, "receiver and sender run");

    let kill = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = finish(child, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&out.stderr);
    if signal == "-KILL" {
        assert_eq!(out.status.code(), None, "killed: {stderr}");
    } else {
        assert_eq!(out.status.code(), Some(130), "{stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
    }
    // The role processes die with their parent, even by SIGKILL.
    let deadline = Instant::now() + Duration::from_secs(20);
    while role_pids
        .iter()
        .any(|p| Path::new(&format!("/proc/{p}")).exists())
    {
        assert!(Instant::now() < deadline, "role processes outlived the run");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        processes_with(&prefix),
        Vec::<u32>::new(),
        "processes left behind"
    );
    if signal == "-KILL" && !as_nobody {
        // Nobody could clean up this run's namespaces; the next run does.
        assert_eq!(
            namespaces_with(&prefix).len(),
            3,
            "SIGKILL cannot be caught"
        );
        json_run(
            &["--loss", "0", "--messages", "10", "--proto", "udp"],
            LIMIT,
        );
    }
    assert_eq!(
        namespaces_with(&prefix),
        Vec::<String>::new(),
        "namespaces left behind"
    );
    assert_eq!(
        host_network(),
        before,
        "the machine's firewall, links and addresses are untouched"
    );
}

#[test]
fn ctrl_c_leaves_no_namespace_rule_or_process_behind() {
    if can_use_netns("ctrl_c_leaves_no_namespace_rule_or_process_behind") {
        interrupt_leaves_nothing_behind("-INT", false);
    }
}

#[test]
fn sigterm_leaves_no_namespace_rule_or_process_behind() {
    if can_use_netns("sigterm_leaves_no_namespace_rule_or_process_behind") {
        interrupt_leaves_nothing_behind("-TERM", false);
    }
}

#[test]
fn after_sigkill_the_next_run_removes_the_leftovers() {
    if can_use_netns("after_sigkill_the_next_run_removes_the_leftovers") {
        interrupt_leaves_nothing_behind("-KILL", false);
    }
}

/// True when `nobody` may make user namespaces here; otherwise says why.
fn nobody_can(test: &str) -> bool {
    if !socklab::sys::is_root() {
        eprintln!("skipping {test}: run as root to test as nobody through setpriv");
        return false;
    }
    let ok = Command::new("setpriv")
        .args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            "unshare",
            "-rn",
            "true",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipping {test}: user namespaces are forbidden to ordinary users here");
    }
    ok
}

#[test]
fn as_nobody_the_lossy_scenario_runs_and_leaves_nothing() {
    if !nobody_can("as_nobody_the_lossy_scenario_runs_and_leaves_nothing") {
        return;
    }
    let before = host_network();
    let out = Command::new("setpriv")
        .args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            bin(),
        ])
        .args([
            "--scenario",
            "lossy",
            "--loss",
            "10",
            "--delay",
            "5ms",
            "--messages",
            "300",
            "--size",
            "100",
            "--json",
        ])
        .current_dir("/")
        .env("NO_COLOR", "1")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let runs: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let tcp = proto(&runs, "tcp");
    assert_eq!(u(tcp, "delivered"), 300, "{tcp}");
    assert_eq!(f(tcp, "delay_ms"), 5.0);
    let udp = proto(&runs, "udp");
    assert!(u(udp, "lost") > 0, "10 % loss shows: {udp}");
    assert_eq!(host_network(), before);
}

#[test]
fn as_nobody_interrupts_leave_nothing() {
    if !nobody_can("as_nobody_interrupts_leave_nothing") {
        return;
    }
    for signal in ["-INT", "-TERM", "-KILL"] {
        interrupt_leaves_nothing_behind(signal, true);
    }
}
