//! Each direction of the cable set apart: `twohost up --delay
//! alice-to-bob=40ms,bob-to-alice=5ms` delays each way by its own
//! amount, measured one way through the link (a datagram's send and
//! arrival times, both taken in this process), and `twohost status --json`
//! reports each direction; `twohost set` changes one direction only.

mod harness;

use std::net::{SocketAddr, UdpSocket};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use harness::net::{can_use_namespaces, twohost_bin};
use serde_json::Value;
use socklab::netns::in_namespace;

const SUBNET: &str = "233";

fn twohost(prefix: &str, args: &[&str]) -> Command {
    let mut c = Command::new(twohost_bin());
    c.args(["--prefix", prefix, "--subnet", SUBNET])
        .args(args)
        .env("LC_ALL", "C");
    c
}

/// `twohost down` when dropped, even when the test fails half way.
struct Down(String);

impl Drop for Down {
    fn drop(&mut self) {
        let _ = twohost(&self.0, &["down"]).output();
    }
}

fn status(prefix: &str) -> Value {
    let out = twohost(prefix, &["status", "--json"])
        .output()
        .expect("run twohost status");
    serde_json::from_slice(&out.stdout).expect("status --json is JSON")
}

/// Each direction's delay as `status --json` reports it, in ms:
/// (alice to bob, bob to alice).
fn delays_ms(st: &Value) -> (f64, f64) {
    let d = |dir: &str| {
        st["directions"][dir]["link"]["delay_ms"]
            .as_f64()
            .unwrap_or(-1.0)
    };
    (d("alice->bob"), d("bob->alice"))
}

/// `twohost set ARGS`, which must succeed.
fn set(prefix: &str, args: &[&str]) {
    let out = twohost(prefix, &[&["set"], args].concat())
        .output()
        .expect("run twohost set");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The shortest one-way time of `rounds` datagrams from the namespace
/// `from` to the address `to` in the namespace `to_ns`.
fn one_way(from: &str, to_ns: &str, to: SocketAddr, rounds: u8) -> Duration {
    let to_ns = to_ns.to_string();
    let (bound_tx, bound_rx) = std::sync::mpsc::channel();
    let receiver = thread::spawn(move || {
        in_namespace(&to_ns, move || {
            let s = UdpSocket::bind(to)?;
            let _ = bound_tx.send(());
            s.set_read_timeout(Some(Duration::from_secs(10)))?;
            // Arrival time of each numbered datagram.
            let mut arrivals = vec![None; rounds as usize + 1];
            let mut buf = [0u8; 8];
            while arrivals.iter().skip(1).any(Option::is_none) {
                let (n, _) = s.recv_from(&mut buf)?;
                if let Some(slot) = (n == 1)
                    .then(|| arrivals.get_mut(buf[0] as usize))
                    .flatten()
                {
                    *slot = Some(Instant::now());
                }
            }
            Ok(arrivals)
        })
    });
    bound_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the receiver binds its socket");
    let sent = in_namespace(from, || {
        let s = UdpSocket::bind("0.0.0.0:0")?;
        let mut sent = Vec::new();
        // Datagram 0 waits for ARP: it is sent and not timed.
        for seq in 0..=rounds {
            sent.push(Instant::now());
            s.send_to(&[seq], to)?;
            thread::sleep(Duration::from_millis(100));
        }
        Ok(sent)
    })
    .expect("send the datagrams");
    let arrived = receiver.join().unwrap().expect("receive the datagrams");
    sent.iter()
        .zip(&arrived)
        .skip(1)
        .filter_map(|(s, a)| a.map(|a| a.duration_since(*s)))
        .min()
        .expect("some rounds")
}

#[test]
fn each_direction_has_its_own_delay() {
    if !can_use_namespaces("each_direction_has_its_own_delay") {
        return;
    }
    let prefix = format!("d{}", std::process::id() % 100_000);
    let _down = Down(prefix.clone());
    let up = twohost(
        &prefix,
        &[
            "up",
            "--delay",
            "alice-to-bob=40ms,bob-to-alice=5ms",
            "--loss",
            "0",
        ],
    )
    .output()
    .expect("run twohost up");
    let said = String::from_utf8_lossy(&up.stdout);
    assert!(
        up.status.success(),
        "twohost up: {said}{}",
        String::from_utf8_lossy(&up.stderr)
    );
    assert!(
        said.contains("link alice-to-bob: delay 40 ms")
            && said.contains("link bob-to-alice: delay 5 ms"),
        "{said}"
    );

    let st = status(&prefix);
    // The fields it had before stay, with alice to bob's settings.
    for host in ["alice", "bob"] {
        for key in ["ns", "veth", "ipv4", "ipv6"] {
            assert!(st[host][key].is_string(), "{host}.{key} in {st}");
        }
    }
    assert_eq!(st["link"]["delay_ms"], 40.0, "{st}");
    assert_eq!(delays_ms(&st), (40.0, 5.0), "{st}");

    let ns = |h: &str| st[h]["ns"].as_str().expect("a namespace").to_string();
    let addr = |h: &str, port: u16| -> SocketAddr {
        let ip: std::net::IpAddr = st[h]["ipv4"].as_str().unwrap().parse().unwrap();
        SocketAddr::new(ip, port)
    };
    let to_bob = one_way(&ns("alice"), &ns("bob"), addr("bob", 7021), 6);
    let to_alice = one_way(&ns("bob"), &ns("alice"), addr("alice", 7022), 6);
    // The link never delivers early; a busy machine only adds time, and the
    // shortest of six is the one it added least to.
    assert!(
        to_bob >= Duration::from_millis(40),
        "alice to bob took {to_bob:?}"
    );
    assert!(
        to_alice >= Duration::from_millis(5),
        "bob to alice took {to_alice:?}"
    );
    assert!(
        to_alice + Duration::from_millis(20) < to_bob,
        "bob to alice ({to_alice:?}) is not the short way: alice to bob took {to_bob:?}"
    );

    // `set` changes the direction it names and leaves the other.
    set(&prefix, &["--delay", "bob-to-alice=30ms"]);
    let st = status(&prefix);
    assert_eq!(delays_ms(&st), (40.0, 30.0), "{st}");
    let to_alice = one_way(&ns("bob"), &ns("alice"), addr("alice", 7023), 3);
    assert!(
        to_alice >= Duration::from_millis(30),
        "bob to alice took {to_alice:?}"
    );
    // And a value for both directions makes them alike again.
    set(&prefix, &["--delay", "10ms"]);
    let st = status(&prefix);
    assert_eq!(delays_ms(&st), (10.0, 10.0), "{st}");
}

#[test]
fn a_bad_direction_is_one_line_and_exit_2() {
    for (value, words) in [
        ("alice-bob=5ms", "not a direction and a value"),
        ("alice-to-alice=5ms", "not a direction and a value"),
        ("alice-to-bob=5ms,alice-to-bob=6ms", "given twice"),
        ("alice-to-bob=-5ms", "cannot be negative"),
        ("alice-to-bob=90s", "longer than a minute"),
        ("carol-to-bob=5ms", "no direction carol-to-bob"),
    ] {
        let out = Command::new(twohost_bin())
            .args(["--prefix", "never", "up", "--delay", value])
            .env("LC_ALL", "C")
            .output()
            .expect("run twohost");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--delay {value}: {err}");
        let first = err.lines().next().unwrap_or("");
        assert!(first.contains(words), "--delay {value}: {err}");
    }
    // In Portuguese too.
    let out = Command::new(twohost_bin())
        .args([
            "--prefix",
            "never",
            "up",
            "--loss",
            "alice-to-bob=5,alice-to-bob=6",
        ])
        .env("LC_ALL", "pt_BR.UTF-8")
        .output()
        .expect("run twohost");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.lines()
            .next()
            .unwrap_or("")
            .contains("aparece duas vezes"),
        "{err}"
    );
}
