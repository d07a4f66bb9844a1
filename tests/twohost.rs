//! `twohost`: building and removing the two hosts, as a student would with
//! sudo. Each test uses its own namespace prefix (hidden `--prefix`) so that
//! an instructor's `alice` and `bob`, and other tests, are left alone. The
//! network tests need root (CI runs as root) and are skipped otherwise.

mod chat_support;

use std::collections::BTreeSet;
use std::process::Command;
use std::thread;
use std::time::Duration;

use chat_support::*;
use serde_json::Value;
use socklab::netns::TwoHosts;

/// `twohost --prefix P --subnet S ARGS`.
fn twohost(prefix: &str, subnet: u8, args: &[&str]) -> Command {
    let mut cmd = Command::new(twohost_bin());
    cmd.args(["--prefix", prefix, "--subnet", &subnet.to_string()])
        .args(args);
    cmd
}

/// Run and expect exit 0; returns stdout.
fn ok(cmd: Command) -> String {
    let (code, out, err) = run_to_end(cmd);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    out
}

fn status_json(prefix: &str, subnet: u8) -> Value {
    let out = ok(twohost(prefix, subnet, &["status", "--json"]));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON: {out}: {e}"))
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

/// Removes the test's pair when dropped, even if the test fails.
struct Cleanup(TwoHosts);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = self.0.down();
    }
}

#[test]
fn up_and_down_are_idempotent_and_leave_no_trace() {
    if !can_use_namespaces("up_and_down_are_idempotent_and_leave_no_trace") {
        return;
    }
    let (p, s) = (prefix('i'), 201);
    let hosts = TwoHosts::layout(&p, s);
    let _cleanup = Cleanup(hosts.clone());
    let before = host_state();

    // Down with nothing up is fine.
    let out = ok(twohost(&p, s, &["down"]));
    assert!(out.contains("nothing to remove"), "{out}");

    // Up prints the hosts, their addresses and how to use them.
    let out = ok(twohost(&p, s, &["up", "--loss", "10"]));
    for expected in [
        format!("{p}alice"),
        "10.203.201.1".to_string(),
        "fd00:5:1ab:c9::2".to_string(),
        format!("sudo ip netns exec {p}alice "),
        "--proto tcp --connect 10.203.201.1".to_string(),
        format!("-i {}", hosts.alice.veth),
        "10 % of the packets".to_string(),
    ] {
        assert!(out.contains(&expected), "`{expected}` in:\n{out}");
    }
    assert!(hosts.is_up().unwrap());
    // Up again rebuilds from scratch.
    let out = ok(twohost(&p, s, &["up"]));
    assert!(
        out.contains("removed the two hosts left from before"),
        "{out}"
    );
    assert_eq!(status_json(&p, s)["loss_percent"], 0.0);

    // An interrupted down (bob gone, alice left): status says so, down finishes.
    ok({
        let mut c = Command::new("ip");
        c.args(["netns", "del", &hosts.bob.ns]);
        c
    });
    let out = ok(twohost(&p, s, &["status"]));
    assert!(out.contains("half built"), "{out}");
    let out = ok(twohost(&p, s, &["down"]));
    assert!(out.contains(&format!("removed {p}alice")), "{out}");
    assert!(ok(twohost(&p, s, &["down"])).contains("nothing to remove"));

    // An interrupted up (only alice made): up starts afresh.
    ok({
        let mut c = Command::new("ip");
        c.args(["netns", "add", &hosts.alice.ns]);
        c
    });
    ok(twohost(&p, s, &["up", "--loss", "5"]));
    assert_eq!(status_json(&p, s)["up"], true);
    ok(twohost(&p, s, &["down"]));
    ok(twohost(&p, s, &["down"]));

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
    // Other tests on this machine may add or remove their own namespaces
    // meanwhile; none of ours may be left, and none may have vanished.
    let ours = |names: &BTreeSet<String>| -> BTreeSet<String> {
        names
            .iter()
            .filter(|n| n.starts_with(&p))
            .cloned()
            .collect()
    };
    assert_eq!(ours(&after.namespaces), ours(&before.namespaces));
    assert!(ours(&after.namespaces).is_empty());
    if after.namespaces != before.namespaces {
        eprintln!(
            "note: namespaces of other programs changed meanwhile: before {:?}, after {:?}",
            before.namespaces, after.namespaces
        );
    }
}

#[test]
fn status_and_loss_follow_the_network() {
    if !can_use_namespaces("status_and_loss_follow_the_network") {
        return;
    }
    let (p, s) = (prefix('s'), 202);
    let hosts = TwoHosts::layout(&p, s);
    let _cleanup = Cleanup(hosts.clone());
    assert_eq!(status_json(&p, s)["up"], false);
    let out = ok(twohost(&p, s, &["status"]));
    assert!(out.contains("two hosts: down"), "{out}");
    // Changing the loss needs the hosts.
    let (code, _, err) = run_to_end(twohost(&p, s, &["loss", "20"]));
    assert_eq!(code, 1);
    assert!(err.contains("not up: run `sudo twohost up` first"), "{err}");

    ok(twohost(&p, s, &["up"]));
    let out = ok(twohost(&p, s, &["loss", "25"]));
    assert!(out.contains("loss set to 25 %"), "{out}");
    let status = status_json(&p, s);
    assert_eq!(status["up"], true);
    assert_eq!(status["loss_percent"], 25.0);
    assert_eq!(status["alice"]["ipv4"], "10.203.202.1");
    assert_eq!(status["bob"]["ipv6"], "fd00:5:1ab:ca::2");
    assert_eq!(status["bob"]["veth"], hosts.bob.veth.as_str());
    assert!(status["alice"]["dropped"].is_u64());
    let out = ok(twohost(&p, s, &["status"]));
    assert!(
        out.contains("two hosts: up") && out.contains("dropped: "),
        "{out}"
    );
    ok(twohost(&p, s, &["loss", "0"]));
    assert_eq!(status_json(&p, s)["loss_percent"], 0.0);
    ok(twohost(&p, s, &["down"]));
}

#[test]
fn a_bad_loss_is_a_usage_error() {
    for args in [
        &["up", "--loss", "150"][..],
        &["up", "--loss", "lots"][..],
        &["loss", "--", "-5"][..],
        &["loss", "NaN"][..],
        &["loss"][..],
    ] {
        let (code, _, err) = run_to_end(twohost("zz", 250, args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("error:"), "{err}");
    }
    let (_, _, err) = run_to_end(twohost("zz", 250, &["up", "--loss", "150"]));
    assert!(err.contains("from 0 to 100"), "{err}");
}

#[test]
fn without_root_it_says_to_use_sudo() {
    // As root (CI), drop to `nobody` with setpriv; otherwise we already are not root.
    let as_user = |args: &[&str]| -> Command {
        if socklab::sys::is_root() {
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid",
                "65534",
                "--regid",
                "65534",
                "--clear-groups",
                twohost_bin(),
            ])
            .args(["--prefix", "zz", "--subnet", "250"])
            .args(args);
            c
        } else {
            twohost("zz", 250, args)
        }
    };
    if socklab::sys::is_root() && Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("skipping without_root_it_says_to_use_sudo: running as root and `setpriv` (util-linux) is not installed to drop privileges");
        return;
    }
    for args in [&["up"][..], &["down"][..], &["loss", "10"][..]] {
        let (code, out, err) = run_to_end(as_user(args));
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        assert_eq!(
            err, "twohost: error: the two-host network needs root: run it with sudo\n",
            "{args:?}"
        );
    }
    // Looking is allowed.
    let (code, out, _) = run_to_end(as_user(&["status"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("two hosts: "), "{out}");
}

#[test]
fn capture_on_alices_veth_sees_the_chat_and_its_calls() {
    if !can_use_namespaces("capture_on_alices_veth_sees_the_chat_and_its_calls") {
        return;
    }
    let net = Net::up('p', 203, 0.0);
    let (alice, bob) = (&net.hosts.alice, &net.hosts.bob);
    let events = std::env::temp_dir().join(format!(
        "socklab-twohost-capture-{}.sock",
        std::process::id()
    ));
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
    let pid = capture_pid(&capture);
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(capture.wait_exit().success(), "{}", capture.dump());
    let objs: Vec<Value> = capture
        .stdout()
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

/// The capture's pid: `ip netns exec` replaces itself with the program.
fn capture_pid(run: &Running) -> String {
    run.pid().to_string()
}
