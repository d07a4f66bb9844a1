//! `capture --private` and `capture shell`: live captures without root, in a
//! network of the user's own (a user namespace and a network namespace),
//! from one terminal or from three. Run as `nobody` through setpriv (and as
//! root, which may use the same private network); skipped where the system
//! forbids user namespaces, with the setting that forbids them.

mod harness;

use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use harness::*;
use serde_json::Value;

/// `capture ARGS` as `nobody` (when `as_user`) with its own private
/// network name and events socket.
fn capture(as_user: bool, net: &str, args: &[&str]) -> Command {
    let mut c = if as_user {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            env!("CARGO_BIN_EXE_capture"),
        ]);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_capture"))
    };
    c.args(args)
        .current_dir("/")
        .env("SOCKLAB_PRIVATE_NET", net)
        .env(
            "SOCKLAB_EVENTS",
            std::env::temp_dir().join(format!("socklab-private-{net}.sock")),
        )
        .env("NO_COLOR", "1");
    c
}

fn usable(test: &str, as_user: bool) -> bool {
    if as_user && !socklab::sys::is_root() {
        eprintln!("skipping {test}: run as root to test as nobody through setpriv");
        return false;
    }
    let mut probe = Command::new("unshare");
    if as_user {
        probe = Command::new("setpriv");
        probe.args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            "unshare",
        ]);
    }
    probe.args(["-rn", "true"]);
    if !probe.status().is_ok_and(|s| s.success()) {
        eprintln!(
            "skipping {test}: {}",
            socklab::userns::diagnose(
                &socklab::userns::Sysctls::read(),
                &std::io::Error::from_raw_os_error(1)
            )
        );
        return false;
    }
    true
}

fn json_lines(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// What the machine's network looks like (it must not change).
fn machine() -> (String, String, String) {
    let out = |argv: &[&str]| {
        Command::new(argv[0])
            .args(&argv[1..])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    };
    (
        // socklab's namespaces only: other people's tests on this machine
        // make and remove their own meanwhile.
        out(&["ip", "netns", "list"])
            .lines()
            .filter(|l| l.starts_with("socklab-"))
            .map(|l| l.to_string() + "\n")
            .collect(),
        out(&["ip", "-o", "link", "show"])
            .lines()
            .map(|l| l.split(" link/").next().unwrap_or(l).to_string() + "\n")
            .collect(),
        out(&["ip", "-o", "addr", "show"]) + &out(&["nft", "list", "ruleset"]),
    )
}

#[test]
fn as_nobody_capture_private_sees_a_refused_connection_live() {
    if !usable(
        "as_nobody_capture_private_sees_a_refused_connection_live",
        true,
    ) {
        return;
    }
    let before = machine();
    let net = format!("refused{}", std::process::id());
    let (code, out, err) = run_to_end(capture(
        true,
        &net,
        &[
            "--private",
            "--json",
            "--port",
            "7777",
            "--",
            env!("CARGO_BIN_EXE_tcp_client"),
            "--port",
            "7777",
            "-m",
            "hi",
        ],
    ));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("private network: a network of your own"),
        "{err}"
    );
    let lines: Vec<String> = out.lines().map(String::from).collect();
    let conn = json_lines(&lines)
        .into_iter()
        .find(|o| o["type"] == "connection")
        .unwrap_or_else(|| panic!("a connection in {out}"));
    assert_eq!(conn["handshake"], "refused", "{conn}");
    assert_eq!(machine(), before, "nothing made on the machine");
}

/// Three "terminals": capture --private, then tcp_server and tcp_client in
/// `capture shell`; the capture sees their whole conversation.
fn three_terminals(as_user: bool, tag: &str) {
    let before = machine();
    let net = format!("{tag}{}", std::process::id());
    let port = "7778";
    let mut cap = Running::start(
        "capture",
        capture(as_user, &net, &["--private", "--json", "--port", port]),
    );
    cap.wait_stderr("listening on lo");
    let mut server = Running::start(
        "tcp_server",
        capture(
            as_user,
            &net,
            &[
                "shell",
                env!("CARGO_BIN_EXE_tcp_server"),
                "--port",
                port,
                "--once",
            ],
        ),
    );
    server.wait_line("listening on");
    let client = capture(
        as_user,
        &net,
        &[
            "shell",
            env!("CARGO_BIN_EXE_tcp_client"),
            "--port",
            port,
            "-m",
            "hello",
        ],
    );
    let (code, out, err) = run_to_end(client);
    assert_eq!(
        code, 0,
        "the client reached the server in the same private network: {out}{err}"
    );
    assert!(err.contains("joined yours"), "{err}");
    assert!(server.wait_exit().success(), "{}", server.dump());
    thread::sleep(Duration::from_millis(700));
    let _ = Command::new("kill")
        .args(["-INT", &cap.pid().to_string()])
        .status();
    assert!(cap.wait_exit().success(), "{}", cap.dump());
    let conn = json_lines(&cap.stdout_lines())
        .into_iter()
        .find(|o| o["type"] == "connection")
        .unwrap_or_else(|| panic!("a connection in\n{}", cap.dump()));
    assert_eq!(conn["handshake"], "complete", "{conn}");
    assert_eq!(conn["server"], format!("127.0.0.1:{port}"));
    assert_eq!(machine(), before, "nothing made on the machine");
}

#[test]
fn as_nobody_three_terminals_share_one_private_network() {
    if usable("as_nobody_three_terminals_share_one_private_network", true) {
        three_terminals(true, "three");
    }
}

#[test]
fn as_root_three_terminals_share_one_private_network_too() {
    if !socklab::sys::is_root() {
        eprintln!("skipping as_root_three_terminals_share_one_private_network_too: not root");
        return;
    }
    if usable(
        "as_root_three_terminals_share_one_private_network_too",
        false,
    ) {
        three_terminals(false, "rootthree");
    }
}

#[test]
fn interrupting_capture_private_leaves_nothing_and_frees_the_name() {
    if !usable(
        "interrupting_capture_private_leaves_nothing_and_frees_the_name",
        true,
    ) {
        return;
    }
    for signal in ["-INT", "-TERM", "-KILL"] {
        let before = machine();
        let net = format!("sig{}{}", &signal[1..], std::process::id());
        let mut cap = Running::start(
            "capture",
            capture(true, &net, &["--private", "--port", "7779"]),
        );
        cap.wait_stderr("listening on lo");
        let pid = cap.pid();
        // A shell in it from another terminal sees the same network.
        let (code, out, _) = run_to_end(capture(true, &net, &["shell", "cat", "/proc/net/dev"]));
        assert_eq!(code, 0);
        assert!(
            out.contains("lo:") && !out.contains("eth"),
            "only lo: {out}"
        );
        let _ = Command::new("kill")
            .args([signal, &pid.to_string()])
            .status();
        let status = cap.wait_exit();
        if signal == "-KILL" {
            assert!(!status.success());
        } else {
            assert!(status.success(), "{signal}: {}", cap.dump());
        }
        assert_eq!(machine(), before, "{signal}: nothing made on the machine");
        // The name is free again: a new capture makes a new network.
        let start = Instant::now();
        let mut again = Running::start(
            "capture",
            capture(true, &net, &["--private", "--port", "7779"]),
        );
        again.wait_stderr("a network of your own");
        assert!(start.elapsed() < WAIT);
        let _ = Command::new("kill")
            .args(["-INT", &again.pid().to_string()])
            .status();
        let _ = again.wait_exit();
    }
}
