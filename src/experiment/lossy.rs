//! The `lossy` scenario: the receiver runs on host `bob`, the sender on
//! `alice`, and socklab's link emulator between them loses, delays and
//! rate-limits the packets (see [`crate::netns`] and [`crate::link`]). Root,
//! or the private user namespace of [`crate::userns`]; Linux.
//!
//! Each end is this same program started again with a hidden role
//! (`tcp_vs_udp receiver ...` / `tcp_vs_udp sender ...`) through
//! `ip netns exec`. A role process prints its narration on stdout, plus
//! protocol lines starting with [`LINE_PREFIX`]:
//!
//! ```text
//! @socklab ready 10.203.7.2:41234      receiver: bound, send here
//! @socklab progress 5120               messages sent (sender) or received (receiver)
//! @socklab result {"sent":10000,...}   the report, as JSON, last line
//! ```
//!
//! The receiver learns that the sender is done when its stdin closes.
//!
//! Cleaning up: the network and every role process are held in one
//! process-wide [`LAB`]. A Drop guard ([`LabGuard`]) and a SIGINT/SIGTERM
//! handler both kill the processes (by their pid, through their `Child`)
//! and remove the network (the link stops, the namespaces go, the veth
//! pairs with them). Resources are created under the same lock the cleanup
//! takes, after checking that no interrupt came, so none can slip past it.
//! SIGKILL of this process cannot be caught: then the kernel kills the role
//! processes (they die with their parent, `PR_SET_PDEATHSIG`), and the
//! namespaces, named after this process's pid, are removed by the next run
//! of any socklab program that builds a network ([`crate::netns::remove_leftovers`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, Once};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::endpoint::{self, Controls, Received, Receiver, ReceiverConfig, SenderConfig, Sent};
use super::progress::Progress;
use super::report::{Iperf3Udp, ProtoRun};
use super::{ExperimentError, Proto, Scenario, Workload};
use crate::link::Impairments;
use crate::narrate::Narrator;
use crate::netns::{Network, NetworkOptions, TwoHosts};
use crate::t;

/// Lines of the role processes' protocol start with this.
pub const LINE_PREFIX: &str = "@socklab ";
/// Default `--rate` of the lossy scenario, in messages per second: slow
/// enough that the receiver keeps up (so only the link loses messages),
/// fast enough that 10,000 messages take half a second.
pub const DEFAULT_LOSSY_RATE: f64 = 20_000.0;
/// Default SO_RCVBUF of the lossy receiver: room for a burst.
pub const DEFAULT_LOSSY_RCVBUF: usize = 4 << 20;
/// How long to wait for a role process to say it is ready.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How often role processes report progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);
/// The port iperf3's server listens on inside `bob`.
const IPERF3_PORT: u16 = 5201;

// ---- what must be cleaned up ------------------------------------------------

/// Everything the lossy scenario creates, for cleanup.
pub struct Lab {
    interrupted: AtomicBool,
    state: Mutex<LabState>,
}

struct LabState {
    network: Option<Network>,
    children: Vec<Child>,
}

/// The process-wide [`Lab`].
pub static LAB: Lab = Lab {
    interrupted: AtomicBool::new(false),
    state: Mutex::new(LabState {
        network: None,
        children: Vec::new(),
    }),
};

impl Lab {
    fn lock(&self) -> std::sync::MutexGuard<'_, LabState> {
        // A panic elsewhere must not stop the cleanup.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Build the network with these impairments, unless interrupted.
    fn up(&self, hosts: &TwoHosts, impairments: Impairments) -> Result<(), ExperimentError> {
        let mut state = self.lock();
        if self.interrupted.load(Ordering::SeqCst) {
            return Err(ExperimentError::Interrupted);
        }
        let opts = NetworkOptions {
            impairments,
            ..NetworkOptions::default()
        };
        state.network = Some(Network::build(hosts, &opts)?);
        Ok(())
    }

    /// Change the link's impairments.
    fn set_impairments(&self, cfg: Impairments) -> Result<(), ExperimentError> {
        if let Some(net) = &self.lock().network {
            net.set_impairments(cfg)?;
        }
        Ok(())
    }

    /// Count the link's drops of the flow of `proto` to or from `port`, from zero.
    fn watch(&self, proto: Proto, port: u16) {
        if let Some(net) = &self.lock().network {
            net.watch(Some(crate::link::Watch {
                proto: match proto {
                    Proto::Tcp => crate::link::IPPROTO_TCP,
                    Proto::Udp => crate::link::IPPROTO_UDP,
                },
                port,
            }));
        }
    }

    /// Frames of the watched flow the link has dropped since [`Lab::watch`]:
    /// (alice to bob, bob to alice).
    fn watched_drops(&self) -> (u64, u64) {
        let state = self.lock();
        let Some(net) = &state.network else {
            return (0, 0);
        };
        let snap = net.fresh_snapshot();
        let (a, b) = (&net.hosts.alice.name, &net.hosts.bob.name);
        (snap.watched_dropped(a, b), snap.watched_dropped(b, a))
    }

    /// Start `cmd`, unless interrupted, and keep it for cleanup. Returns its
    /// pid and pipes.
    fn spawn(&self, mut cmd: Command) -> Result<Spawned, ExperimentError> {
        let mut state = self.lock();
        if self.interrupted.load(Ordering::SeqCst) {
            return Err(ExperimentError::Interrupted);
        }
        let program = format!("{cmd:?}");
        // Killed with us even by SIGKILL (we spawn from the main thread,
        // which lives as long as the run).
        crate::sys::linux::kill_with_parent(&mut cmd);
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| ExperimentError::Io {
                what: t!("exp-step-start", program = &program),
                error,
            })?;
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ExperimentError::Io {
                what: t!("exp-step-start", program = &program),
                error: std::io::Error::other(t!("exp-no-pipes")),
            });
        };
        let spawned = Spawned {
            pid: child.id(),
            stdin: child.stdin.take(),
            stdout,
            stderr,
        };
        state.children.push(child);
        Ok(spawned)
    }

    /// Wait for the process `pid` to end (it has closed its stdout, so it
    /// is ending) and forget it; after `patience`, kill it.
    fn reap(&self, pid: u32, patience: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        loop {
            {
                let mut state = self.lock();
                let i = state.children.iter().position(|c| c.id() == pid)?;
                match state.children[i].try_wait() {
                    Ok(Some(status)) => {
                        // Already reaped: this wait() returns at once.
                        let _ = state.children.remove(i).wait();
                        return Some(status);
                    }
                    Ok(None) if start.elapsed() >= patience => {
                        let mut child = state.children.remove(i);
                        let _ = child.kill();
                        return child.wait().ok();
                    }
                    Ok(None) => {}
                    Err(_) => {
                        let mut child = state.children.remove(i);
                        let _ = child.kill();
                        return child.wait().ok();
                    }
                }
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Kill every process still running and delete the namespaces.
    pub fn cleanup(&self) {
        let mut state = self.lock();
        for mut child in state.children.drain(..) {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(net) = state.network.take() {
            let _ = net.down();
        }
    }

    /// From the signal handler: no new resources from now on; clean up.
    pub fn interrupt(&self) {
        self.interrupted.store(true, Ordering::SeqCst);
        self.cleanup();
    }
}

/// Cleans up [`LAB`] when dropped: at the end of a run, on an error, on a panic.
pub struct LabGuard(());

impl Drop for LabGuard {
    fn drop(&mut self) {
        LAB.cleanup();
    }
}

/// Install the SIGINT/SIGTERM handler (once per process): clean up, then
/// exit with 130 as shells expect of an interrupted program.
fn install_signal_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            LAB.interrupt();
            let _ = writeln!(std::io::stderr(), "{}", t!("exp-interrupted-cleaned"));
            std::process::exit(130);
        });
    });
}

/// A process started by [`Lab::spawn`], with its pipes.
struct Spawned {
    pid: u32,
    /// Dropping it closes the process's stdin.
    stdin: Option<ChildStdin>,
    stdout: std::process::ChildStdout,
    stderr: std::process::ChildStderr,
}

// ---- the orchestrator -------------------------------------------------------

/// What the lossy scenario runs.
#[derive(Clone, Debug)]
pub struct LossyPlan {
    pub workload: Workload,
    pub protos: Vec<Proto>,
    /// Loss rates, percent, in order.
    pub losses: Vec<f64>,
    /// One-way delays, in order (each loss rate is run at each delay).
    pub delays: Vec<Duration>,
    /// The rest of what the link does (its loss and delay come from
    /// `losses` and `delays`).
    pub link: Impairments,
    /// Also measure the same link with iperf3 after each UDP run.
    pub iperf3: bool,
    /// Show the role processes' narration.
    pub narrate: bool,
    /// Colour the role processes' narration.
    pub color: bool,
    pub show_progress: bool,
}

/// The name prefix of the lossy scenario's namespaces (after the owner's
/// pid: `socklab-4242-lossy-alice`), so that `twohost` never takes them
/// for its own.
pub const LOSSY_PREFIX: &str = "lossy-";

/// This process's hosts: named after its pid, so that parallel runs (and
/// tests) never share namespaces.
pub fn layout_for_this_process() -> TwoHosts {
    TwoHosts::layout(LOSSY_PREFIX, 7)
}

/// Run the plan: build the hosts, then for each loss rate each protocol.
/// `on_run` sees each result as soon as it is known.
pub fn run(
    plan: &LossyPlan,
    n: &Narrator,
    on_run: impl FnMut(&ProtoRun),
) -> Result<Vec<ProtoRun>, ExperimentError> {
    install_signal_handler();
    let result = run_plan(plan, n, on_run);
    if LAB.interrupted.load(Ordering::SeqCst) {
        // The signal handler killed the processes under us (which is why we
        // are here) and exits with 130 once it has cleaned up: leave the
        // last word to it rather than report a failed run.
        loop {
            thread::park();
        }
    }
    result
}

fn run_plan(
    plan: &LossyPlan,
    n: &Narrator,
    mut on_run: impl FnMut(&ProtoRun),
) -> Result<Vec<ProtoRun>, ExperimentError> {
    let _guard = LabGuard(());
    let hosts = layout_for_this_process();
    let exe = std::env::current_exe().map_err(|error| ExperimentError::Io {
        what: t!("exp-step-find-exe"),
        error,
    })?;
    let exe = exe.to_string_lossy().into_owned();

    let settings = |loss: f64, delay: Duration| Impairments {
        loss_percent: loss,
        delay,
        ..plan.link.clone()
    };
    let delays = if plan.delays.is_empty() {
        vec![plan.link.delay]
    } else {
        plan.delays.clone()
    };
    let first = settings(plan.losses.first().copied().unwrap_or(0.0), delays[0]);
    LAB.up(&hosts, first.clone())?;
    n.say(t!(
        "exp-lossy-up",
        alice = &hosts.alice.ns,
        alice_ip = hosts.alice.v4.to_string(),
        bob = &hosts.bob.ns,
        bob_ip = hosts.bob.v4.to_string(),
        link = crate::link::describe(&first)
    ));
    let mut runs = Vec::new();
    let mut current = first;
    for &delay in &delays {
        for &loss in &plan.losses {
            let wanted = settings(loss, delay);
            if wanted != current {
                LAB.set_impairments(wanted.clone())?;
                n.say(t!("exp-link-now", link = crate::link::describe(&wanted)));
                current = wanted;
            }
            for &proto in &plan.protos {
                let (sent, received, link_drops) = run_pair(&hosts, &exe, proto, loss, plan, n)?;
                let iperf3 = if plan.iperf3 && proto == Proto::Udp {
                    Some(run_iperf3(&hosts, &plan.workload, n)?)
                } else {
                    None
                };
                let run = ProtoRun {
                    proto,
                    scenario: Scenario::Lossy,
                    loss_percent: loss,
                    delay,
                    link_rate_bps: current.rate_bps,
                    workload: plan.workload.clone(),
                    sent,
                    received,
                    // The sender is on alice, the receiver on bob.
                    link_drops: Some(link_drops),
                    iperf3,
                };
                on_run(&run);
                runs.push(run);
            }
        }
    }
    LAB.cleanup();
    n.say(t!(
        "exp-lossy-removed",
        alice = &hosts.alice.ns,
        bob = &hosts.bob.ns
    ));
    Ok(runs)
}

/// Which role process a line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Receiver,
    Sender,
}

enum Event {
    Line(Who, String),
    Closed(Who),
}

/// Read `out` line by line into `tx`, then say it closed.
fn forward_lines(who: Who, out: impl Read + Send + 'static, tx: mpsc::Sender<Event>) {
    thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(Event::Line(who, line)).is_err() {
                return;
            }
        }
        let _ = tx.send(Event::Closed(who));
    });
}

/// Collect `err` into a string (for error messages).
fn collect(err: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    thread::spawn(move || {
        for line in BufReader::new(err).lines() {
            let Ok(line) = line else { break };
            if let Ok(mut t) = sink.lock() {
                t.push_str(&line);
                t.push(' ');
            }
        }
    });
    text
}

fn text_of(t: &Arc<Mutex<String>>) -> String {
    t.lock().map(|s| s.trim().to_string()).unwrap_or_default()
}

/// The role options both ends share.
fn role_command(
    host: &crate::netns::Host,
    exe: &str,
    role: &str,
    proto: Proto,
    plan: &LossyPlan,
) -> Command {
    let mut cmd = host.command(exe);
    cmd.args([
        role,
        "--proto",
        proto.as_str(),
        "--messages",
        &plan.workload.messages.to_string(),
        "--size",
        &plan.workload.size.to_string(),
        "--run-id",
        &host.ns,
        "--color",
        if plan.color { "always" } else { "never" },
        // Its narration and errors are relayed to the student as they are.
        "--lang",
        crate::i18n::lang().tag(),
    ]);
    if !plan.narrate {
        cmd.arg("--quiet");
    }
    cmd
}

/// One protocol at one loss rate: start the receiver in bob, then the
/// sender in alice, follow them to the end, and collect both reports and
/// the link's drops of this run's flow (to bob, to alice).
fn run_pair(
    hosts: &TwoHosts,
    exe: &str,
    proto: Proto,
    loss: f64,
    plan: &LossyPlan,
    n: &Narrator,
) -> Result<(Sent, Received, (u64, u64)), ExperimentError> {
    let w = &plan.workload;
    let (tx, rx) = mpsc::channel();

    let mut cmd = role_command(&hosts.bob, exe, "receiver", proto, plan);
    cmd.args([
        "--bind",
        &hosts.bob.v4.to_string(),
        "--recv-delay",
        &w.recv_delay.as_secs_f64().to_string(),
        "--idle-timeout",
        &w.idle_timeout.as_secs_f64().to_string(),
    ]);
    if let Some(b) = w.rcvbuf {
        cmd.args(["--rcvbuf", &b.to_string()]);
    }
    let Spawned {
        pid: receiver_pid,
        stdin: mut receiver_stdin,
        stdout,
        stderr,
    } = LAB.spawn(cmd)?;
    forward_lines(Who::Receiver, stdout, tx.clone());
    let receiver_err = collect(stderr);
    let child_failed = |who: Who, detail: String| ExperimentError::Child {
        role: match who {
            Who::Receiver => "receiver",
            Who::Sender => "sender",
        },
        ns: match who {
            Who::Receiver => hosts.bob.ns.clone(),
            Who::Sender => hosts.alice.ns.clone(),
        },
        detail: if detail.is_empty() {
            t!("exp-child-no-report")
        } else {
            detail
        },
    };

    let receiver_tag = n.tagged(format!("bob {}", proto.as_str()));
    let sender_tag = n.tagged(format!("alice {}", proto.as_str()));
    let label = format!(
        "{} {}%",
        proto.as_str(),
        super::report::trim_float_in(crate::i18n::lang(), loss)
    );
    let mut progress = Progress::new(plan.show_progress, label, w.messages);
    // Narration lines of the two processes, printed with the bar out of the way.
    let relay = |progress: &Progress, who: Who, line: &str| {
        progress.suspend(|| match who {
            Who::Receiver => receiver_tag.say(line),
            Who::Sender => sender_tag.say(line),
        })
    };

    // Wait for "ready ADDR".
    let deadline = Instant::now() + READY_TIMEOUT;
    let to: SocketAddr = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Event::Line(who, line)) => match line.strip_prefix(LINE_PREFIX) {
                Some(rest) => {
                    if let Some(addr) = rest.strip_prefix("ready ") {
                        match addr.trim().parse() {
                            Ok(a) => break a,
                            Err(_) => {
                                return Err(child_failed(who, t!("exp-child-said", line = &line)));
                            }
                        }
                    }
                }
                None => relay(&progress, who, &line),
            },
            Ok(Event::Closed(who)) => {
                LAB.reap(receiver_pid, Duration::from_secs(5));
                return Err(child_failed(who, text_of(&receiver_err)));
            }
            Err(_) => {
                return Err(child_failed(
                    Who::Receiver,
                    t!(
                        "exp-child-not-ready",
                        waited = super::duration_in(crate::i18n::lang(), READY_TIMEOUT)
                    ),
                ))
            }
        }
    };

    // Only this run's flow: the segments of an earlier connection still
    // closing (a FIN sent again after its ACK was lost) are not this run's.
    // The receiver's port is new: the earlier one is still held meanwhile.
    LAB.watch(proto, to.port());
    let mut cmd = role_command(&hosts.alice, exe, "sender", proto, plan);
    cmd.args(["--to", &to.to_string()]);
    if let Some(rate) = w.rate {
        cmd.args(["--rate", &rate.to_string()]);
    }
    // The sender reads nothing: its stdin is closed at once (dropped).
    let Spawned {
        pid: sender_pid,
        stdout,
        stderr,
        ..
    } = LAB.spawn(cmd)?;
    forward_lines(Who::Sender, stdout, tx);
    let sender_err = collect(stderr);

    let (mut sent_count, mut received_count) = (0, 0);
    let mut sent: Option<Sent> = None;
    let mut received: Option<Received> = None;
    let (mut sender_open, mut receiver_open) = (true, true);
    while sender_open || receiver_open {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Event::Line(who, line)) => match line.strip_prefix(LINE_PREFIX) {
                Some(rest) => {
                    if let Some(count) = rest.strip_prefix("progress ") {
                        let count = count.trim().parse().unwrap_or(0);
                        match who {
                            Who::Sender => sent_count = count,
                            Who::Receiver => received_count = count,
                        }
                    } else if let Some(json) = rest.strip_prefix("result ") {
                        let value: Option<Value> = serde_json::from_str(json).ok();
                        match who {
                            Who::Sender => sent = value.as_ref().and_then(Sent::from_json),
                            Who::Receiver => {
                                received = value.as_ref().and_then(Received::from_json)
                            }
                        }
                    }
                }
                None => relay(&progress, who, &line),
            },
            Ok(Event::Closed(Who::Sender)) => {
                sender_open = false;
                // Closing the receiver's stdin tells it the sender is done.
                drop(receiver_stdin.take());
            }
            Ok(Event::Closed(Who::Receiver)) => receiver_open = false,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        progress.update(sent_count, received_count);
    }
    progress.finish();
    let sender_status = LAB.reap(sender_pid, Duration::from_secs(10));
    let receiver_status = LAB.reap(receiver_pid, Duration::from_secs(10));
    let ok = |s: Option<ExitStatus>| s.is_some_and(|s| s.success());
    let sent = match sent {
        Some(s) if ok(sender_status) => s,
        _ => return Err(child_failed(Who::Sender, text_of(&sender_err))),
    };
    let received = match received {
        Some(r) if ok(receiver_status) => r,
        _ => return Err(child_failed(Who::Receiver, text_of(&receiver_err))),
    };
    Ok((sent, received, LAB.watched_drops()))
}

// ---- iperf3 on the same link ------------------------------------------------

/// iperf3's bitrate option for `rate` messages of `size` bytes per second.
pub fn iperf3_bitrate(rate: f64, size: usize) -> u64 {
    (rate * size as f64 * 8.0).round() as u64
}

/// Read `end.sum` of `iperf3 -u -J`'s output.
pub fn parse_iperf3_udp(json: &str) -> Result<Iperf3Udp, String> {
    let v: Value =
        serde_json::from_str(json).map_err(|e| t!("exp-iperf3-not-json", error = e.to_string()))?;
    if let Some(e) = v.get("error").and_then(Value::as_str) {
        return Err(e.to_string());
    }
    let sum = v
        .get("end")
        .and_then(|e| e.get("sum"))
        .ok_or_else(|| t!("exp-iperf3-no-sum"))?;
    let num = |k: &str| {
        sum.get(k)
            .and_then(Value::as_f64)
            .ok_or_else(|| t!("exp-iperf3-no-field", field = format!("end.sum.{k}")))
    };
    Ok(Iperf3Udp {
        lost_percent: num("lost_percent")?,
        lost_packets: num("lost_packets")? as u64,
        packets: num("packets")? as u64,
        attempts: 1,
    })
}

/// The iperf3 commands for this workload: (server in bob, client in alice).
pub fn iperf3_commands(hosts: &TwoHosts, w: &Workload) -> (Command, Command) {
    let bob = hosts.bob.v4.to_string();
    let port = IPERF3_PORT.to_string();
    let mut server = hosts.bob.command("iperf3");
    server.args(["-s", "-1", "-B", &bob, "-p", &port, "--forceflush"]);
    // -b 0: as fast as it can, like an unpaced sender.
    let bitrate = w.rate.map_or(0, |rate| iperf3_bitrate(rate, w.size));
    let mut client = hosts.alice.command("iperf3");
    client.args([
        "-u",
        "-c",
        &bob,
        "-p",
        &port,
        "-b",
        &bitrate.to_string(),
        "-l",
        &w.size.to_string(),
        "-k",
        &w.messages.to_string(),
        "-J",
    ]);
    if let Some(bytes) = w.rcvbuf {
        // The same socket buffers as ours (-w sets SO_SNDBUF and SO_RCVBUF
        // on both ends); with the default 208 KiB, iperf3's own receiver
        // overflows in bursts and adds loss that is not the link's.
        client.args(["-w", &bytes.to_string()]);
    }
    (server, client)
}

/// Measure the link's UDP loss with iperf3: the same size, count, rate and
/// receive buffer. iperf3 3.12 opens its UDP test with one datagram each
/// way and waits 30 s if either is lost, which a lossy link does often
/// (19% of the time at 10% loss): such an attempt is stopped after
/// [`iperf3_patience`] and started again, up to [`IPERF3_ATTEMPTS`] times.
fn run_iperf3(hosts: &TwoHosts, w: &Workload, n: &Narrator) -> Result<Iperf3Udp, ExperimentError> {
    let (_, client_cmd) = iperf3_commands(hosts, w);
    n.say(t!(
        "exp-iperf3-command",
        command = command_line(&client_cmd)
    ));
    let mut last_error = String::new();
    for attempt in 1..=IPERF3_ATTEMPTS {
        match iperf3_attempt(hosts, w) {
            Ok(mut r) => {
                r.attempts = attempt;
                return Ok(r);
            }
            Err(ExperimentError::Iperf3(e)) => {
                n.say(t!(
                    "exp-iperf3-attempt-failed",
                    attempt = attempt,
                    error = &e
                ));
                last_error = e;
            }
            Err(other) => return Err(other),
        }
    }
    Err(ExperimentError::Iperf3(t!(
        "exp-iperf3-gave-up",
        attempts = IPERF3_ATTEMPTS,
        error = last_error
    )))
}

/// How many times to start iperf3 before giving up.
const IPERF3_ATTEMPTS: u32 = 5;

/// How long one iperf3 run may take: its sending time, twice, plus 10 s.
pub fn iperf3_patience(w: &Workload) -> Duration {
    // Unpaced, iperf3 sends some 100,000 datagrams a second here.
    let rate = w.rate.unwrap_or(100_000.0);
    Duration::from_secs(10) + Duration::from_secs_f64(2.0 * w.messages as f64 / rate)
}

fn iperf3_attempt(hosts: &TwoHosts, w: &Workload) -> Result<Iperf3Udp, ExperimentError> {
    let (server_cmd, client_cmd) = iperf3_commands(hosts, w);
    let missing = |e: ExperimentError| match e {
        ExperimentError::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound => {
            ExperimentError::Iperf3(t!("exp-iperf3-no-ip"))
        }
        other => other,
    };
    let server = LAB.spawn(server_cmd).map_err(missing)?;
    let server_err = collect(server.stderr);
    let out = server.stdout;
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        // Every line, until the server ends (so it never blocks on a full pipe).
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    // Wait for "Server listening on 5201".
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) if line.contains("listening") => break,
            Ok(_) => {}
            Err(_) => {
                LAB.reap(server.pid, Duration::ZERO);
                return Err(ExperimentError::Iperf3(t!(
                    "exp-iperf3-no-server",
                    stderr = text_of(&server_err)
                )));
            }
        }
    }

    let client = LAB.spawn(client_cmd).map_err(missing)?;
    let client_err = collect(client.stderr);
    let mut stdout = client.stdout;
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        let _ = tx.send(text);
    });
    let patience = iperf3_patience(w);
    let text = rx.recv_timeout(patience);
    // Either both have finished, or they are stuck: stop them.
    LAB.reap(client.pid, Duration::from_secs(1));
    LAB.reap(server.pid, Duration::from_secs(1));
    let text = text.map_err(|_| {
        ExperimentError::Iperf3(t!(
            "exp-iperf3-no-result",
            waited = super::duration_in(crate::i18n::lang(), patience)
        ))
    })?;
    parse_iperf3_udp(&text).map_err(|e| {
        ExperimentError::Iperf3(format!("{e} {}", text_of(&client_err)).trim().to_string())
    })
}

/// A command as one would type it.
pub fn command_line(cmd: &Command) -> String {
    let mut words = vec![cmd.get_program().to_string_lossy().into_owned()];
    words.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}

// ---- the role processes -----------------------------------------------------

/// Print one protocol line, whole, on stdout.
fn protocol_line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{LINE_PREFIX}{text}");
    let _ = out.flush();
}

/// Report `counter` every [`PROGRESS_EVERY`] until `stop` is set.
fn report_progress(counter: Arc<std::sync::atomic::AtomicU64>, stop: Arc<AtomicBool>) {
    thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            thread::sleep(PROGRESS_EVERY);
            protocol_line(&format!("progress {}", counter.load(Ordering::Relaxed)));
        }
    });
}

/// The receiver role: bind, say where, receive, report. The sender is done
/// when stdin closes.
pub fn role_receiver(cfg: ReceiverConfig, n: Narrator) -> Result<(), ExperimentError> {
    let receiver = Receiver::bind(cfg, n)?;
    protocol_line(&format!("ready {}", receiver.local_addr()));
    let controls = Controls::default();
    let done = Arc::clone(&controls.sender_done);
    thread::spawn(move || {
        // Whatever arrives, and the end of stdin, mean the sender is done.
        let mut byte = [0u8; 1];
        let _ = std::io::stdin().read(&mut byte);
        done.store(true, Ordering::Relaxed);
    });
    let stop = Arc::new(AtomicBool::new(false));
    report_progress(Arc::clone(&controls.received), Arc::clone(&stop));
    let result = receiver.run(&controls);
    stop.store(true, Ordering::Relaxed);
    let received = result?;
    protocol_line(&format!("result {}", received.to_json()));
    Ok(())
}

/// The sender role: send, report.
pub fn role_sender(cfg: SenderConfig, n: Narrator) -> Result<(), ExperimentError> {
    let controls = Controls::default();
    let stop = Arc::new(AtomicBool::new(false));
    report_progress(Arc::clone(&controls.sent), Arc::clone(&stop));
    let result = endpoint::send(&cfg, &n, &controls);
    stop.store(true, Ordering::Relaxed);
    let sent = result?;
    protocol_line(&format!("result {}", sent.to_json()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iperf3_json_end_sum() {
        let json = r#"{"start":{},"intervals":[],"end":{"sum":{"start":0,"end":0.5,
            "seconds":0.5,"bytes":9000000,"bits_per_second":1.6e8,"jitter_ms":0.01,
            "lost_packets":1002,"packets":10000,"lost_percent":10.02,"sender":true}}}"#;
        let r = parse_iperf3_udp(json).unwrap();
        assert_eq!(r.lost_packets, 1002);
        assert_eq!(r.packets, 10000);
        assert!((r.lost_percent - 10.02).abs() < 1e-9);
        let err = parse_iperf3_udp(r#"{"start":{},"error":"unable to connect to server"}"#);
        assert_eq!(err.unwrap_err(), "unable to connect to server");
        assert!(parse_iperf3_udp("garbage").is_err());
    }

    #[test]
    fn iperf3_gets_the_same_workload() {
        let hosts = TwoHosts::layout_owned("t1", 9, 42, false);
        let w = Workload {
            messages: 10_000,
            size: 1000,
            rate: Some(20_000.0),
            recv_delay: Duration::ZERO,
            rcvbuf: Some(4 << 20),
            idle_timeout: Duration::from_secs(1),
        };
        let (server, client) = iperf3_commands(&hosts, &w);
        assert_eq!(
            command_line(&server),
            "ip netns exec socklab-42-t1bob iperf3 -s -1 -B 10.203.9.2 -p 5201 --forceflush"
        );
        assert_eq!(
            command_line(&client),
            "ip netns exec socklab-42-t1alice iperf3 -u -c 10.203.9.2 -p 5201 -b 160000000 -l 1000 -k 10000 -J -w 4194304"
        );
    }
}
