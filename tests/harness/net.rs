//! What the chat and two-host tests add to the harness: the chat's command
//! lines (on loopback, or inside a pair of network namespaces that the test
//! builds and always removes, also when it fails half way), a peer played
//! by hand, and the chat's message, gap and report lines read back.

use std::collections::BTreeSet;
use std::io::Write;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::process::{ChildStdin, Command, Stdio};
use std::thread;
use std::time::Duration;

use socklab::netns::TwoHosts;

use super::{bin, command, free_port, Running, WAIT};

/// Path of the chat binary.
pub fn chat_bin() -> &'static str {
    bin("chat")
}

/// Path of the twohost binary.
pub fn twohost_bin() -> &'static str {
    bin("twohost")
}

/// True when the test may build namespaces; otherwise prints why it skips.
pub fn can_use_namespaces(test: &str) -> bool {
    if !socklab::sys::is_root() {
        eprintln!(
            "skipping {test}: network namespaces need root (CI runs as root); run `sudo cargo test` to include it"
        );
        return false;
    }
    let found = Command::new("ip")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        eprintln!("skipping {test}: `ip` is not installed (iproute2)");
        return false;
    }
    true
}

/// A namespace prefix no other test (nor an instructor's `alice`) uses:
/// `c<pid><tag>`, short enough for interface names.
pub fn prefix(tag: char) -> String {
    format!("c{}{tag}", std::process::id() % 100_000)
}

/// A lab network built by this test process (it owns the namespaces and
/// runs the link), removed when dropped (even on panic).
pub struct Net {
    pub hosts: TwoHosts,
    pub network: socklab::netns::Network,
}

impl Net {
    /// Build `socklab-<pid>-<prefix(tag)>alice` / `...bob` on 10.203.`subnet`.0/24,
    /// with `loss` percent lost on the link each way.
    pub fn up(tag: char, subnet: u8, loss: f64) -> Net {
        Net::with(
            tag,
            subnet,
            socklab::link::Impairments {
                loss_percent: loss,
                ..Default::default()
            },
        )
    }

    /// The same with any impairments.
    pub fn with(tag: char, subnet: u8, impairments: socklab::link::Impairments) -> Net {
        let hosts = TwoHosts::layout(&prefix(tag), subnet);
        let opts = socklab::netns::NetworkOptions {
            impairments,
            ..Default::default()
        };
        let network = socklab::netns::Network::build(&hosts, &opts).expect("build the two hosts");
        Net { hosts, network }
    }

    /// Change the loss on the link, each way.
    pub fn set_loss(&self, loss: f64) {
        let mut cfg = self.network.snapshot().impairments;
        cfg.loss_percent = loss;
        self.network.set_impairments(cfg).expect("set the loss");
    }

    /// The link's counts of one direction.
    pub fn stats(&self, from: &str, to: &str) -> socklab::link::Stats {
        self.network.snapshot().direction(from, to)
    }

    /// Packets the link dropped: (on the way to alice, on the way to bob).
    pub fn dropped(&self) -> (u64, u64) {
        (
            self.stats("bob", "alice").dropped(),
            self.stats("alice", "bob").dropped(),
        )
    }
}

/// `chat ARGS` run on one of the hosts: `ip netns exec <ns> chat ARGS`.
pub fn chat_on(host: &socklab::netns::Host, args: &[&str]) -> Command {
    let mut cmd = host.command(chat_bin());
    cmd.args(args);
    cmd
}

/// A message line as the receiver prints it: `[12:01:02] bob #7: hello`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    pub name: String,
    pub seq: u64,
    pub text: String,
}

/// Parse a message line, or `None` for any other line.
pub fn shown(line: &str) -> Option<Shown> {
    let rest = line.strip_prefix('[')?;
    let (clock, rest) = rest.split_once("] ")?;
    let ok_clock = clock.len() == 8
        && clock.chars().enumerate().all(|(i, c)| {
            if i == 2 || i == 5 {
                c == ':'
            } else {
                c.is_ascii_digit()
            }
        });
    if !ok_clock {
        return None;
    }
    let (name, rest) = rest.split_once(" #")?;
    let (seq, text) = rest.split_once(": ")?;
    Some(Shown {
        name: name.to_string(),
        seq: seq.parse().ok()?,
        text: text.to_string(),
    })
}

/// Every message line in `lines`.
pub fn messages(lines: &[String]) -> Vec<Shown> {
    lines.iter().filter_map(|l| shown(l)).collect()
}

/// The numbers of the final report line:
/// `report: sent 20, received 18, lost 2, reordered 0, duplicates 0`
/// (and `, bogus 1` when some numbers were impossible).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Counts {
    pub sent: u64,
    pub received: u64,
    pub lost: u64,
    pub reordered: u64,
    pub duplicates: u64,
    pub bogus: u64,
}

/// The report of a chat that has ended; panics if there is none.
pub fn report(run: &Running) -> Counts {
    let lines = run.stdout_lines();
    let line = lines
        .iter()
        .find_map(|l| l.strip_prefix("report: "))
        .unwrap_or_else(|| panic!("no report line\n{}", run.dump()));
    let mut c = Counts::default();
    for part in line.split(", ") {
        let (key, value) = part.split_once(' ').unwrap();
        let value: u64 = value.parse().unwrap();
        match key {
            "sent" => c.sent = value,
            "received" => c.received = value,
            "lost" => c.lost = value,
            "reordered" => c.reordered = value,
            "duplicates" => c.duplicates = value,
            "bogus" => c.bogus = value,
            other => panic!("unknown report field {other}"),
        }
    }
    c
}

/// The sequence numbers named by the gap notes:
/// `-- 2 messages lost (seq 5-6)` and `-- 1 message lost (seq 9)`.
pub fn reported_lost(lines: &[String]) -> BTreeSet<u64> {
    let mut out = BTreeSet::new();
    for line in lines {
        let Some(rest) = line.strip_prefix("-- ") else {
            continue;
        };
        let Some((count, range)) = rest.split_once(" lost (seq ") else {
            continue;
        };
        let count: u64 = count.split(' ').next().unwrap().parse().unwrap();
        let range = range.trim_end_matches(')');
        let (first, last) = match range.split_once('-') {
            Some((a, b)) => (a.parse::<u64>().unwrap(), b.parse::<u64>().unwrap()),
            None => {
                let a = range.parse::<u64>().unwrap();
                (a, a)
            }
        };
        assert_eq!(last - first + 1, count, "count and range agree in `{line}`");
        out.extend(first..=last);
    }
    out
}

/// The text a receiver shows for `text`: escaped like `narrate::escape`.
pub fn escaped(text: &str) -> String {
    socklab::narrate::escape(text.as_bytes())
}

/// Type `lines` into `run` from a thread, `pause` between them.
pub fn type_in_background(
    mut stdin: ChildStdin,
    lines: Vec<String>,
    pause: Duration,
) -> thread::JoinHandle<ChildStdin> {
    thread::spawn(move || {
        for line in lines {
            stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
            stdin.flush().unwrap();
            if !pause.is_zero() {
                thread::sleep(pause);
            }
        }
        stdin
    })
}

/// `chat --proto udp` named `name` on `host` (both ends on this machine),
/// bound to `port`, whose peer is `host`:`peer_port`; `extra` adds arguments.
pub fn udp_chat(host: &str, name: &str, ports: (&str, &str), extra: &[&str]) -> Command {
    let (port, peer_port) = ports;
    let mut args = vec![
        "--proto",
        "udp",
        "--peer",
        host,
        "--host",
        host,
        "--port",
        port,
        "--peer-port",
        peer_port,
        "--name",
        name,
    ];
    args.extend_from_slice(extra);
    command("chat", &args)
}

/// A UDP chat `alice` on loopback whose peer the test plays by hand: our
/// socket (connected to alice's port, reads waiting up to [`WAIT`]) and the
/// running chat, once it says `chatting with`. `extra` adds arguments.
pub fn udp_chat_with_hand_peer(extra: &[&str]) -> (UdpSocket, Running) {
    let me = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = free_port();
    me.connect(("127.0.0.1", port)).unwrap();
    me.set_read_timeout(Some(WAIT)).unwrap();
    let peer_port = me.local_addr().unwrap().port().to_string();
    let alice = Running::start(
        "alice",
        udp_chat("127.0.0.1", "alice", (&port.to_string(), &peer_port), extra),
    );
    alice.wait_line("chatting with");
    (me, alice)
}

/// `chat --proto tcp` named `bob`, `--quiet`, connecting to `host`:`port`.
pub fn tcp_chat_bob(host: &str, port: &str) -> Command {
    command(
        "chat",
        &[
            "--proto",
            "tcp",
            "--connect",
            host,
            "--port",
            port,
            "--name",
            "bob",
            "--quiet",
        ],
    )
}

/// A TCP chat `bob` on loopback (`--quiet`) connected to a listener the
/// test plays by hand: our end of the connection (reads waiting up to
/// [`WAIT`]) and the running chat, once it says `chatting with`.
pub fn tcp_chat_with_hand_listener() -> (TcpStream, Running) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let bob = Running::start("bob", tcp_chat_bob("127.0.0.1", &port));
    let (conn, _) = listener.accept().unwrap();
    conn.set_read_timeout(Some(WAIT)).unwrap();
    bob.wait_line("chatting with");
    (conn, bob)
}

/// Both chats type `each` messages at once (`text(who, i)` is what `who`
/// types as message `i`); each must show all of the other's, intact and in
/// order, with names and numbers; then `a` types /quit, `b` is told, both
/// exit 0 and report `each` sent and received.
pub fn talk_both_ways(
    mut a: Running,
    mut b: Running,
    each: u64,
    text: fn(&str, u64) -> String,
) -> (Running, Running) {
    a.wait_line("chatting with");
    b.wait_line("chatting with");
    let lines = |who: &str| (1..=each).map(|i| text(who, i)).collect::<Vec<_>>();
    let typing_a = type_in_background(a.take_stdin(), lines("alice"), Duration::from_millis(5));
    let typing_b = type_in_background(b.take_stdin(), lines("bob"), Duration::from_millis(5));
    a.give_stdin(typing_a.join().unwrap());
    b.give_stdin(typing_b.join().unwrap());
    for (reader, writer) in [(&a, "bob"), (&b, "alice")] {
        reader.wait_until(&format!("{each} messages from {writer}"), |lines| {
            messages(lines).len() as u64 >= each
        });
        let expected: Vec<Shown> = (1..=each)
            .map(|i| Shown {
                name: writer.to_string(),
                seq: i,
                text: escaped(&text(writer, i)),
            })
            .collect();
        assert_eq!(
            messages(&reader.stdout_lines()),
            expected,
            "\n{}",
            reader.dump()
        );
    }
    a.type_line("/quit");
    b.wait_line("-- peer left");
    for run in [&mut a, &mut b] {
        let status = run.wait_exit();
        assert!(status.success(), "{status}\n{}", run.dump());
        let c = report(run);
        assert_eq!(
            c,
            Counts {
                sent: each,
                received: each,
                ..Counts::default()
            },
            "\n{}",
            run.dump()
        );
    }
    (a, b)
}
