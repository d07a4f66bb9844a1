//! `capture --private` and `capture shell`: live captures without root, in a
//! network of the user's own (a user namespace and a network namespace),
//! from one terminal or from three. Run as `nobody` through setpriv (and as
//! root, which may use the same private network); skipped where the system
//! forbids user namespaces, with the setting that forbids them.

mod harness;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use harness::*;
use serde_json::Value;

/// The events socket of private network `net`, for capture as `nobody`
/// (when `as_user`) or as root. capture binds it from inside its user
/// namespace, where only its own uid is mapped (root in there is nobody
/// outside, or root when root runs it): so its directory must belong to
/// that very user. One fresh directory per user (a random name, not one
/// another user could prepare), kept for the life of this process.
fn events_path(as_user: bool, net: &str) -> PathBuf {
    static NOBODYS: OnceLock<tempfile::TempDir> = OnceLock::new();
    static ROOTS: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = if as_user {
        NOBODYS.get_or_init(|| dir_owned_by(65534))
    } else {
        ROOTS.get_or_init(|| dir_owned_by(0))
    };
    dir.path().join(format!("{net}.sock"))
}

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
        .env("SOCKLAB_EVENTS", events_path(as_user, net))
        .env("NO_COLOR", "1")
        .env("LC_ALL", "C");
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

/// What the machine's network looks like (it must not change): socklab's
/// namespaces, the links, the addresses and the firewall.
#[derive(Debug, PartialEq)]
struct Machine {
    namespaces: BTreeSet<String>,
    links: String,
    addresses_and_rules: String,
}

fn machine() -> Machine {
    let out = |argv: &[&str]| {
        Command::new(argv[0])
            .args(&argv[1..])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    };
    Machine {
        namespaces: out(&["ip", "netns", "list"])
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|ns| ns.starts_with("socklab-"))
            .map(String::from)
            .collect(),
        links: out(&["ip", "-o", "link", "show"])
            .lines()
            .map(|l| l.split(" link/").next().unwrap_or(l).to_string() + "\n")
            .collect(),
        addresses_and_rules: out(&["ip", "-o", "addr", "show"]) + &out(&["nft", "list", "ruleset"]),
    }
}

/// The parent of process `pid`, if it runs.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ppid ...": the fields after the last ')'.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// True when namespace `ns` (`socklab-<owner pid>-...`) belongs to a run
/// that is not ours and still goes on: another test on this shared
/// machine (other people's included) building its own network meanwhile.
/// A namespace of ours has our pid or a descendant's, alive or dead.
fn of_another_live_run(ns: &str) -> bool {
    let Some(owner) = ns
        .strip_prefix("socklab-")
        .and_then(|rest| rest.split('-').next())
        .and_then(|pid| pid.parse::<u32>().ok())
    else {
        return false;
    };
    let me = std::process::id();
    let mut pid = owner;
    loop {
        if pid == me {
            return false;
        }
        match parent_of(pid) {
            Some(parent) if parent > 1 => pid = parent,
            // Not running (a dead owner may be ours), or an orphan.
            None => return pid != owner,
            Some(_) => return true,
        }
    }
}

/// Nothing was made on the machine since `before` (namespaces that other
/// runs made meanwhile aside; ones that vanished are not ours to miss).
fn assert_nothing_made(before: &Machine, what: &str) {
    let now = machine();
    let made: Vec<&String> = now
        .namespaces
        .difference(&before.namespaces)
        .filter(|ns| !of_another_live_run(ns))
        .collect();
    assert!(
        made.is_empty(),
        "{what}: namespaces made on the machine: {made:?}"
    );
    assert_eq!(
        now.links, before.links,
        "{what}: links changed on the machine"
    );
    assert_eq!(
        now.addresses_and_rules, before.addresses_and_rules,
        "{what}: addresses or firewall changed on the machine"
    );
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
    assert!(
        !err.contains("socket calls will not be shown"),
        "capture made its events socket: {err}"
    );
    let lines: Vec<String> = out.lines().map(String::from).collect();
    let conn = json_lines(&lines)
        .into_iter()
        .find(|o| o["type"] == "connection")
        .unwrap_or_else(|| panic!("a connection in {out}"));
    assert_eq!(conn["handshake"], "refused", "{conn}");
    assert_nothing_made(&before, "nothing made on the machine");
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
    assert!(
        !cap.stderr().contains("socket calls will not be shown"),
        "capture made its events socket: {}",
        cap.dump()
    );
    let conn = json_lines(&cap.stdout_lines())
        .into_iter()
        .find(|o| o["type"] == "connection")
        .unwrap_or_else(|| panic!("a connection in\n{}", cap.dump()));
    assert_eq!(conn["handshake"], "complete", "{conn}");
    assert_eq!(conn["server"], format!("127.0.0.1:{port}"));
    assert_nothing_made(&before, "nothing made on the machine");
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
        assert_nothing_made(&before, &format!("{signal}: nothing made on the machine"));
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

#[test]
fn only_namespaces_of_other_live_runs_are_left_out() {
    let me = std::process::id();
    // Ours, whether its owner is this process or a child that has ended.
    assert!(!of_another_live_run(&format!("socklab-{me}-x")));
    let mut child = Command::new("true").spawn().expect("true runs");
    let dead = child.id();
    let _ = child.wait();
    assert!(!of_another_live_run(&format!("socklab-{dead}-x")));
    // A running process that is not ours (init): another run's.
    assert!(of_another_live_run("socklab-1-lossy-alice"));
    // Not socklab's naming: never left out.
    assert!(!of_another_live_run("socklab-alice"));
}
