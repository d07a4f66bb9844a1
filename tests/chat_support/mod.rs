//! Helpers for the chat and twohost tests: run the real binaries (on
//! loopback, or inside a pair of network namespaces that the test builds and
//! always removes), feed their stdin, read what they print.
//!
//! Every child is killed by its pid when its guard is dropped, and every
//! namespace pair is removed when its guard is dropped, also when a test
//! fails half way. Waits are generous: the CI machine is small and busy.

#![allow(dead_code)] // each test file uses its own subset

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use socklab::netns::TwoHosts;

/// How long to wait for anything before failing the test.
pub const WAIT: Duration = Duration::from_secs(60);

/// Path of the chat binary.
pub fn chat_bin() -> &'static str {
    env!("CARGO_BIN_EXE_chat")
}

/// Path of the twohost binary.
pub fn twohost_bin() -> &'static str {
    env!("CARGO_BIN_EXE_twohost")
}

/// An event socket path nobody listens on, so that tests never send events
/// into a capture someone happens to be running.
pub fn no_events_path() -> PathBuf {
    std::env::temp_dir().join(format!(
        "socklab-chat-tests-no-events-{}",
        std::process::id()
    ))
}

/// `chat ARGS` on this machine, events sent nowhere, no colour.
pub fn chat(args: &[&str]) -> Command {
    let mut cmd = Command::new(chat_bin());
    cmd.args(args);
    quiet_env(&mut cmd);
    cmd
}

/// Events nowhere, colour off.
pub fn quiet_env(cmd: &mut Command) {
    cmd.env("SOCKLAB_EVENTS", no_events_path())
        .env("NO_COLOR", "1");
}

/// A UDP port free right now (bound then released).
pub fn free_udp_port(ip: &str) -> u16 {
    UdpSocket::bind((ip, 0))
        .expect("bind a UDP socket to find a free port")
        .local_addr()
        .unwrap()
        .port()
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
    quiet_env(&mut cmd);
    cmd
}

/// Lines a child has printed so far on one stream, and whether it has ended.
#[derive(Default)]
struct Collected {
    state: Mutex<(Vec<String>, bool)>,
    changed: Condvar,
}

impl Collected {
    fn start(stream: impl Read + Send + 'static) -> Arc<Collected> {
        let collected = Arc::new(Collected::default());
        let sink = Arc::clone(&collected);
        thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut line = Vec::new();
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&line)
                            .trim_end_matches('\n')
                            .to_string();
                        sink.state.lock().unwrap().0.push(text);
                        sink.changed.notify_all();
                    }
                }
            }
            sink.state.lock().unwrap().1 = true;
            sink.changed.notify_all();
        });
        collected
    }

    fn lines(&self) -> Vec<String> {
        self.state.lock().unwrap().0.clone()
    }

    /// Wait until `done(lines so far)` holds, the stream ends, or `timeout`.
    fn wait_until(&self, done: &dyn Fn(&[String]) -> bool, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.state.lock().unwrap();
        loop {
            if done(&state.0) {
                return true;
            }
            let now = Instant::now();
            if state.1 || now >= deadline {
                return false;
            }
            state = self.changed.wait_timeout(state, deadline - now).unwrap().0;
        }
    }

    fn wait_closed(&self, timeout: Duration) {
        self.wait_until(&|_| false, timeout);
    }
}

/// A running chat. Dropping it kills the child by its pid.
pub struct Running {
    pub name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Arc<Collected>,
    stderr: Arc<Collected>,
}

impl Running {
    /// Start `cmd` with a pipe to its stdin.
    pub fn start(name: &str, mut cmd: Command) -> Running {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Running {
            name: name.to_string(),
            stdout: Collected::start(child.stdout.take().unwrap()),
            stderr: Collected::start(child.stderr.take().unwrap()),
            stdin: child.stdin.take(),
            child,
        }
    }

    /// Type one line (a newline is added).
    pub fn type_line(&mut self, line: &str) {
        self.type_bytes(format!("{line}\n").as_bytes());
    }

    /// Write raw bytes to stdin.
    pub fn type_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin
            .write_all(bytes)
            .and_then(|()| stdin.flush())
            .unwrap_or_else(|e| {
                panic!(
                    "{} no longer reads its stdin: {e}\n{}",
                    self.name,
                    self.dump()
                )
            });
    }

    /// Close stdin: end of input, like Ctrl-D.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// stdout so far, one entry per line.
    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lines()
    }

    /// stderr so far, as text.
    pub fn stderr(&self) -> String {
        self.stderr.lines().join("\n")
    }

    /// Wait until stdout satisfies `done`; panics with both streams if not.
    pub fn wait_stdout(&self, what: &str, done: impl Fn(&[String]) -> bool) {
        if !self.stdout.wait_until(&done, WAIT) {
            panic!("{}: never saw {what}\n{}", self.name, self.dump());
        }
    }

    /// Wait for a stdout line containing `text`; returns it.
    pub fn wait_line(&self, text: &str) -> String {
        self.wait_stdout(&format!("a line with `{text}`"), |lines| {
            lines.iter().any(|l| l.contains(text))
        });
        self.stdout()
            .into_iter()
            .find(|l| l.contains(text))
            .unwrap()
    }

    /// Wait for a stderr line containing `text`.
    pub fn wait_stderr(&self, text: &str) {
        if !self
            .stderr
            .wait_until(&|lines| lines.iter().any(|l| l.contains(text)), WAIT)
        {
            panic!(
                "{}: never saw `{text}` on stderr\n{}",
                self.name,
                self.dump()
            );
        }
    }

    /// Wait for the process to exit; panics if it does not.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the readers take the last lines.
                self.stdout.wait_closed(Duration::from_secs(5));
                self.stderr.wait_closed(Duration::from_secs(5));
                return status;
            }
            if Instant::now() > deadline {
                panic!("{} did not exit\n{}", self.name, self.dump());
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// True while the process runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Both streams, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "--- {} stdout:\n{}\n--- {} stderr:\n{}",
            self.name,
            self.stdout.lines().join("\n"),
            self.name,
            self.stderr()
        )
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    let lines = run.stdout();
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

impl Running {
    /// Take stdin out, to type from another thread; give it back with [`Running::give_stdin`].
    pub fn take_stdin(&mut self) -> ChildStdin {
        self.stdin.take().expect("stdin still open")
    }

    /// Give stdin back after [`Running::take_stdin`].
    pub fn give_stdin(&mut self, stdin: ChildStdin) {
        self.stdin = Some(stdin);
    }
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
    chat(&args)
}

/// A UDP chat `alice` on loopback whose peer the test plays by hand: our
/// socket (connected to alice's port, reads waiting up to [`WAIT`]) and the
/// running chat, once it says `chatting with`. `extra` adds arguments.
pub fn udp_chat_with_hand_peer(extra: &[&str]) -> (UdpSocket, Running) {
    let me = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = free_udp_port("127.0.0.1");
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

/// Run a command to its end: (exit code, stdout, stderr).
pub fn run_to_end(mut cmd: Command) -> (i32, String, String) {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .expect("the program starts");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
