//! The kernel's view (src/kernel) against real Python programs on loopback.
//!
//! Needs root and tracefs; each test says why it skips otherwise. The
//! tests take turns (one lock): each compares tracing state before and
//! after, and counts instances.
//!
//! The Python peers are plain `python3` scripts with no socklab code: the
//! course's own (labs/python/) and, for the teardown cases, two small ones
//! written to a private temporary directory as `servidor.py` and
//! `cliente.py`.

mod harness;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use socklab::kernel::{
    Call, Config, Follow, How, KernelFact, Phase, SockId, SockState, SocketCall, StateChange,
    Tracer,
};

/// A guard against hanging, never a timed assertion.
const WAIT: Duration = Duration::from_secs(30);

static TURN: Mutex<()> = Mutex::new(());
static NEXT: AtomicU32 = AtomicU32::new(0);

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

fn tracefs() -> Option<PathBuf> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    mounts.lines().find_map(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        (w.len() > 2 && w[2] == "tracefs").then(|| PathBuf::from(w[1]))
    })
}

/// A tracer for `cfg`, or `None` (and why) when this machine cannot trace.
fn tracer(cfg: &Config) -> Option<Tracer> {
    if unsafe_free_euid() != 0 {
        eprintln!("skipped: the kernel's view needs root");
        return None;
    }
    match Tracer::open(cfg) {
        Ok(t) => Some(t),
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

/// The effective uid, from /proc (no unsafe in tests).
fn unsafe_free_euid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|v| v.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(u32::MAX)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn lab(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("labs/python")
        .join(name)
}

/// The example `ktrace`, as `cargo test` builds it: `examples/ktrace-HASH`
/// (the newest), or `examples/ktrace` after `cargo build --example ktrace`.
fn ktrace() -> PathBuf {
    // target/<profile>/deps/kernel_trace-HASH -> target/<profile>/examples
    let exe = std::env::current_exe().unwrap();
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("examples");
    let hashed = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with("ktrace-") && !n.contains('.')
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max();
    hashed.map_or_else(|| dir.join("ktrace"), |(_, p)| p)
}

/// A running program; killed by its pid if the test ends first.
struct Proc {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Proc {
    fn start(cmd: &mut Command) -> Proc {
        Proc::start_with_stdin(cmd.stdin(Stdio::null()))
    }

    /// [`Proc::start`] with the stdin `cmd` already has.
    fn start_with_stdin(cmd: &mut Command) -> Proc {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("program starts");
        let (tx, lines) = mpsc::channel();
        for pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for l in BufReader::new(pipe).lines() {
                    let Ok(l) = l else { break };
                    if tx.send(l).is_err() {
                        break;
                    }
                }
            });
        }
        Proc { child, lines }
    }

    fn python(script: &Path, args: &[&str]) -> Proc {
        Proc::start(Command::new("python3").arg(script).args(args))
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_for(&self, what: &str) -> String {
        let mut seen = Vec::new();
        loop {
            match self.lines.recv_timeout(WAIT) {
                Ok(l) if l.contains(what) => return l,
                Ok(l) => seen.push(l),
                Err(_) => panic!("no line with {what:?} in {seen:?}"),
            }
        }
    }

    /// Wait for the end; the remaining output.
    fn finish(&mut self) -> Vec<String> {
        let deadline = Instant::now() + WAIT;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "program did not end");
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut rest = Vec::new();
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(2)) {
            rest.push(l);
        }
        rest
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every fact until `stop()`.
fn collect(t: &mut Tracer) -> Vec<KernelFact> {
    let report = t.stop();
    assert!(report.removed, "instances removed");
    assert_eq!(report.queue_dropped, 0);
    t.facts().try_iter().collect()
}

fn calls(f: &[KernelFact]) -> Vec<&Call> {
    f.iter()
        .filter_map(|x| match x {
            KernelFact::Call(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn states(f: &[KernelFact]) -> Vec<&StateChange> {
    f.iter()
        .filter_map(|x| match x {
            KernelFact::State(s) => Some(s),
            _ => None,
        })
        .collect()
}

fn one<'a>(f: &'a [KernelFact], pid: u32, kind: &str, phase: Phase) -> &'a Call {
    calls(f)
        .into_iter()
        .find(|c| c.pid == pid && c.call.name() == kind && c.phase == phase)
        .unwrap_or_else(|| panic!("no {kind} {phase:?} of pid {pid}: {:#?}", calls(f)))
}

fn state_of(
    f: &[KernelFact],
    sock: Option<SockId>,
    old: SockState,
    new: SockState,
) -> &StateChange {
    states(f)
        .into_iter()
        .find(|s| Some(s.sock) == sock && s.old == old && s.new == new)
        .unwrap_or_else(|| panic!("no {old}->{new} on {sock:?}: {:#?}", states(f)))
}

#[test]
fn a_python_conversation_is_seen_call_by_call_on_its_connection() {
    let _t = turn();
    let port = free_port();
    let Some(mut t) = tracer(&Config {
        ports: vec![port],
        ..Config::default()
    }) else {
        return;
    };
    let ps = port.to_string();
    let server = Proc::python(&lab("servidor_tcp.py"), &["--port", &ps]);
    server.wait_for("listening on");
    let mut client = Proc::python(&lab("cliente_tcp.py"), &["--port", &ps, "hello"]);
    client.finish();
    server.wait_for("done");
    let (spid, cpid) = (server.pid(), client.pid());
    drop(server);
    let f = collect(&mut t);

    // connect() entered before the kernel moved the socket to SYN-SENT.
    let connect = one(&f, cpid, "connect", Phase::Enter);
    assert_eq!(connect.prog, "python3 cliente_tcp.py");
    let syn_sent = state_of(&f, connect.sock, SockState::Closed, SockState::SynSent);
    assert!(connect.t < syn_sent.t);
    assert_eq!(syn_sent.pid, Some(cpid));
    let srv: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    assert_eq!(connect.peer, Some(srv));

    // accept() returned after the server's socket reached ESTABLISHED
    // (handshake step 3), with the client's address.
    let connected = one(&f, cpid, "connect", Phase::Return);
    let cli = connected.local.expect("the client's address");
    let accept = one(&f, spid, "accept", Phase::Return);
    assert_eq!(accept.prog, "python3 servidor_tcp.py");
    assert_eq!((accept.local, accept.peer), (Some(srv), Some(cli)));
    let est = state_of(
        &f,
        accept.sock,
        SockState::SynReceived,
        SockState::Established,
    );
    assert!(est.t < accept.t);

    // close() entered before FIN-WAIT-1 (the client closes first).
    let close = one(&f, cpid, "close", Phase::Enter);
    let fin = state_of(&f, close.sock, SockState::Established, SockState::FinWait1);
    assert!(close.t < fin.t);
    assert_eq!(close.sock, connected.sock);

    // Every call on the two connection sockets has the right addresses and
    // the right program.
    for c in calls(&f) {
        let (prog, want) = if c.pid == cpid {
            ("python3 cliente_tcp.py", (Some(cli), Some(srv)))
        } else {
            assert_eq!(c.pid, spid, "{c:?}");
            ("python3 servidor_tcp.py", (Some(srv), Some(cli)))
        };
        assert_eq!(c.prog, prog);
        let on_conn = c.sock.is_some() && (c.sock == connected.sock || c.sock == accept.sock);
        let before_handshake = c.call == SocketCall::Socket
            || (c.call == SocketCall::Connect && c.phase == Phase::Enter);
        if on_conn && !before_handshake {
            assert_eq!((c.local, c.peer), want, "{c:?}");
        }
    }
    let send = one(&f, cpid, "send", Phase::Return);
    assert_eq!((send.bytes, send.syscall), (Some(6), "sendto"));
    let recv = calls(&f)
        .into_iter()
        .find(|c| c.pid == spid && c.call == SocketCall::Recv && c.bytes == Some(6))
        .expect("the server's recv of 6 bytes");
    assert_eq!(recv.sock, accept.sock);
}

/// The teardown cases, each a server and a client.
const SERVIDOR: &str = r#"
import socket, sys, time
caso, porta = sys.argv[1], int(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", porta))
s.listen(5)
print("listening on", porta, flush=True)
c, _ = s.accept()
try:
    if caso == "client-close":
        while c.recv(100): pass
    elif caso == "server-close":
        c.sendall(b"bye")
    elif caso == "delayed-close":
        while c.recv(100): pass
        time.sleep(0.3)
    elif caso == "half-close":
        while c.recv(100): pass
        c.sendall(b"reply")
    elif caso == "linger0":
        while c.recv(100): pass
    elif caso == "unread":
        c.recv(4, socket.MSG_PEEK)
except ConnectionResetError:
    print("reset", flush=True)
c.close()
s.close()
print("done", flush=True)
"#;

const CLIENTE: &str = r#"
import socket, struct, sys
caso, porta = sys.argv[1], int(sys.argv[2])
c = socket.socket()
if caso == "linger0":
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
try:
    c.connect(("127.0.0.1", porta))
except ConnectionRefusedError:
    print("refused", flush=True)
    sys.exit(0)
try:
    if caso in ("client-close", "delayed-close", "linger0"):
        c.sendall(b"hi")
    elif caso == "server-close":
        while c.recv(100): pass
    elif caso == "half-close":
        c.sendall(b"hi")
        c.shutdown(socket.SHUT_WR)
        while c.recv(100): pass
    elif caso == "unread":
        c.sendall(b"data")
        while c.recv(100): pass
except ConnectionResetError:
    print("reset", flush=True)
c.close()
print("done", flush=True)
"#;

/// A fresh private directory ([`harness::fresh_dir`]: a random name, not
/// one another user could prepare) with the two scripts, removed on drop.
struct Scripts(tempfile::TempDir);

impl Scripts {
    fn new() -> Scripts {
        let dir = harness::fresh_dir();
        std::fs::write(dir.path().join("servidor.py"), SERVIDOR).unwrap();
        std::fs::write(dir.path().join("cliente.py"), CLIENTE).unwrap();
        Scripts(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}

/// Each socket's state changes (kernel numbers, old -> new), keyed by
/// (its port, the other port).
type Sequences = BTreeMap<(u16, u16), Vec<(i32, i32)>>;
/// One socket's changes while they are gathered, and its ports.
type Gathering = (Vec<(i32, i32)>, (u16, u16));

/// A second private instance, read by this test as plain text (the
/// kernel's own formatting, with the `fields` option): the independent
/// record of every state change on a port.
struct TextView(PathBuf);

impl TextView {
    fn open(port: u16) -> TextView {
        let root = tracefs().expect("tracefs is mounted (the tracer opened)");
        let dir = root.join("instances").join(format!(
            "sltest-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir(&dir).unwrap();
        let ev = dir.join("events/sock/inet_sock_set_state");
        std::fs::write(dir.join("options/fields"), "1").unwrap();
        std::fs::write(
            ev.join("filter"),
            format!("sport == {port} || dport == {port}"),
        )
        .unwrap();
        std::fs::write(ev.join("enable"), "1").unwrap();
        TextView(dir)
    }

    /// Each socket's state changes, keyed by (its port, the other port).
    fn sequences(&self) -> Sequences {
        let text = std::fs::read_to_string(self.0.join("trace")).unwrap();
        let mut by_sk: Vec<(String, Gathering)> = Vec::new();
        for line in text.lines().filter(|l| l.contains("inet_sock_set_state:")) {
            let field = |name: &str| -> String {
                line.split_whitespace()
                    .find_map(|w| w.strip_prefix(&format!("{name}=")))
                    .unwrap_or_else(|| panic!("no {name} in {line}"))
                    .to_string()
            };
            let num = |name: &str| -> i64 {
                i64::from_str_radix(field(name).trim_start_matches("0x"), 16).unwrap()
            };
            let sk = field("skaddr");
            let step = (num("oldstate") as i32, num("newstate") as i32);
            let ports = (num("sport") as u16, num("dport") as u16);
            match by_sk.iter_mut().find(|(s, _)| *s == sk) {
                Some((_, (seq, key))) => {
                    seq.push(step);
                    if ports.0 != 0 {
                        *key = ports;
                    }
                }
                None => by_sk.push((sk, (vec![step], ports))),
            }
        }
        by_sk
            .into_iter()
            .map(|(_, (seq, key))| (key, seq))
            .collect()
    }
}

impl Drop for TextView {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

fn kernel_number(s: SockState) -> i32 {
    (1..=12)
        .find(|&n| SockState::from_kernel(n) == s)
        .unwrap_or(-1)
}

/// Our facts' state sequences, keyed like [`TextView::sequences`].
fn our_sequences(f: &[KernelFact]) -> Sequences {
    let mut by_sock: BTreeMap<SockId, Gathering> = BTreeMap::new();
    for s in states(f) {
        let e = by_sock.entry(s.sock).or_default();
        e.0.push((kernel_number(s.old), kernel_number(s.new)));
        if let Some(l) = s.local {
            e.1 = (l.port(), s.peer.map_or(0, |p| p.port()));
        }
    }
    by_sock.into_values().map(|(seq, key)| (key, seq)).collect()
}

fn teardown_case(case: &str) {
    let _t = turn();
    let port = free_port();
    let Some(mut t) = tracer(&Config {
        ports: vec![port],
        ..Config::default()
    }) else {
        return;
    };
    let text = TextView::open(port);
    let scripts = Scripts::new();
    let ps = port.to_string();
    let mut server = (case != "refused").then(|| {
        let s = Proc::python(&scripts.path("servidor.py"), &[case, &ps]);
        s.wait_for("listening on");
        s
    });
    let mut client = Proc::python(&scripts.path("cliente.py"), &[case, &ps]);
    let out = client.finish();
    if let Some(s) = server.as_mut() {
        s.finish();
    }
    if case == "refused" {
        assert!(out.iter().any(|l| l == "refused"), "{out:?}");
    }
    let f = collect(&mut t);
    let ours = our_sequences(&f);
    let theirs = text.sequences();
    assert!(!theirs.is_empty(), "the text view saw the states");
    assert_eq!(ours, theirs, "{case}: our states vs the kernel's own text");

    // The calls that caused the teardown come before the state they caused.
    let cpid = client.pid();
    match case {
        "half-close" => {
            let shut = one(&f, cpid, "shutdown", Phase::Enter);
            assert_eq!(shut.call, SocketCall::Shutdown(Some(How::Write)));
            let fin = state_of(&f, shut.sock, SockState::Established, SockState::FinWait1);
            assert!(shut.t < fin.t);
        }
        "linger0" => {
            let close = one(&f, cpid, "close", Phase::Enter);
            let rst = f.iter().find_map(|x| match x {
                KernelFact::Reset(r) if r.sent && r.sock == close.sock => Some(r),
                _ => None,
            });
            let rst = rst.expect("the kernel sent the client's RST");
            assert!(close.t < rst.t);
        }
        "unread" => {
            let spid = server.as_ref().unwrap().pid();
            let close = calls(&f)
                .into_iter()
                .find(|c| c.pid == spid && c.call == SocketCall::Close && c.phase == Phase::Enter)
                .expect("the server's close");
            assert!(f.iter().any(|x| matches!(x,
                KernelFact::Reset(r) if r.sent && r.sock == close.sock && r.t > close.t)));
            assert!(f
                .iter()
                .any(|x| matches!(x, KernelFact::Reset(r) if !r.sent)));
        }
        "refused" => {
            let ret = one(&f, cpid, "connect", Phase::Return);
            assert_eq!(ret.errno, Some(111), "ECONNREFUSED");
            assert!(f
                .iter()
                .any(|x| matches!(x, KernelFact::Reset(r) if !r.sent)));
        }
        _ => {}
    }
}

#[test]
fn client_close_states_match_the_kernels_own_text() {
    teardown_case("client-close");
}

#[test]
fn server_close_states_match_the_kernels_own_text() {
    teardown_case("server-close");
}

#[test]
fn delayed_close_states_match_the_kernels_own_text() {
    teardown_case("delayed-close");
}

#[test]
fn half_close_states_match_the_kernels_own_text() {
    teardown_case("half-close");
}

#[test]
fn linger_zero_reset_states_match_the_kernels_own_text() {
    teardown_case("linger0");
}

#[test]
fn unread_data_reset_states_match_the_kernels_own_text() {
    teardown_case("unread");
}

#[test]
fn refused_states_match_the_kernels_own_text() {
    teardown_case("refused");
}

#[test]
fn a_pid_filter_shows_one_programs_calls_not_anothers_on_the_same_port() {
    let _t = turn();
    let port = free_port();
    let ps = port.to_string();
    let server = Proc::python(&lab("servidor_off.py"), &["--port", &ps]);
    server.wait_for("listening on");
    // The followed client waits in the shell until its pid is followed,
    // then becomes python3 (same pid).
    let gate = format!(
        "read _ ; exec python3 {} --port {ps}",
        lab("cliente_off.py").display()
    );
    let mut followed = Command::new("/bin/sh")
        .arg("-c")
        .arg(&gate)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let fpid = followed.id();
    let Some(mut t) = tracer(&Config {
        follow: Follow::Pids(vec![fpid]),
        ports: vec![port],
        ..Config::default()
    }) else {
        let _ = followed.kill();
        let _ = followed.wait();
        return;
    };
    // Another client of the same server at the same time, not followed.
    let mut other = Command::new("python3")
        .arg(lab("cliente_off.py"))
        .args(["--port", &ps])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = followed.stdin.take().unwrap();
    writeln!(input, "go").unwrap();
    writeln!(input, "from the followed one").unwrap();
    drop(input);
    let mut oin = other.stdin.take().unwrap();
    writeln!(oin, "from the other one").unwrap();
    drop(oin);
    let _ = followed.wait();
    let _ = other.wait();
    let opid = other.id();
    let f = collect(&mut t);
    let c = calls(&f);
    assert!(!c.is_empty());
    assert!(
        c.iter().all(|c| c.pid == fpid),
        "only the followed pid: {c:#?}"
    );
    let connect = one(&f, fpid, "connect", Phase::Enter);
    assert_eq!(
        connect.prog, "python3 cliente_off.py",
        "named after its exec"
    );
    one(&f, fpid, "send", Phase::Return);
    one(&f, fpid, "close", Phase::Return);
    // The kernel's states are not filtered by pid: the other client's
    // connection is there, its calls are not.
    assert!(states(&f).iter().any(|s| s.pid == Some(opid)));
    assert!(!c.iter().any(|c| c.pid == opid || c.pid == server.pid()));
}

#[test]
fn a_flood_on_other_ports_is_quieted_in_the_kernel_and_our_conversation_is_whole() {
    let _t = turn();
    let port = free_port();
    let Some(mut t) = tracer(&Config {
        ports: vec![port],
        ..Config::default()
    }) else {
        return;
    };
    // Another program sends datagrams to another port as fast as it can.
    let other = free_port();
    let flood = format!(
        "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
         while True:\n    s.sendto(b'x', ('127.0.0.1', {other}))\n"
    );
    let flooder = Proc::start(Command::new("python3").args(["-c", &flood]));
    let fpid = flooder.pid();
    let mut early = Vec::new();
    let deadline = Instant::now() + WAIT;
    loop {
        assert!(Instant::now() < deadline, "the flood was never quieted");
        match t.facts().recv_timeout(Duration::from_millis(200)) {
            Ok(f) => {
                let quieted = matches!(&f, KernelFact::Quieted { pid, .. } if *pid == fpid);
                early.push(f);
                if quieted {
                    break;
                }
            }
            Err(_) => continue,
        }
    }
    // The kernel now leaves it out of the busy events' filters.
    let calls_dir = tracefs()
        .unwrap()
        .join("instances")
        .join(&t.status().instances[0]);
    // (One read: a filter file answers only a read at offset 0, so a
    // read_to_string that probes with a small buffer first sees it cut.)
    let mut buf = vec![0u8; 64 * 1024];
    let n = std::fs::File::open(calls_dir.join("events/syscalls/sys_enter_sendto/filter"))
        .and_then(|mut f| std::io::Read::read(&mut f, &mut buf))
        .unwrap();
    let filter = String::from_utf8_lossy(&buf[..n]);
    assert!(
        filter.contains(&format!("common_pid != {fpid}")),
        "{filter}"
    );

    // A conversation on our port meanwhile is seen whole.
    let ps = port.to_string();
    let server = Proc::python(&lab("servidor_tcp.py"), &["--port", &ps]);
    server.wait_for("listening on");
    let mut client = Proc::python(&lab("cliente_tcp.py"), &["--port", &ps, "hello"]);
    client.finish();
    server.wait_for("done");
    let (spid, cpid) = (server.pid(), client.pid());
    drop(server);
    drop(flooder);
    let mut f = early;
    f.extend(collect(&mut t));
    for (pid, kind, phase) in [
        (cpid, "socket", Phase::Return),
        (cpid, "connect", Phase::Enter),
        (cpid, "connect", Phase::Return),
        (cpid, "send", Phase::Return),
        (cpid, "recv", Phase::Return),
        (cpid, "close", Phase::Enter),
        (spid, "accept", Phase::Return),
        (spid, "recv", Phase::Return),
        (spid, "send", Phase::Return),
        (spid, "close", Phase::Return),
    ] {
        one(&f, pid, kind, phase);
    }
    assert!(
        !calls(&f).iter().any(|c| c.pid == fpid),
        "the flood's calls were on another port: never shown"
    );
}

/// The global instance's settings and the list of instances, to compare
/// before and after.
fn global_state() -> (Vec<String>, Vec<String>) {
    let Some(root) = tracefs() else {
        return (Vec::new(), Vec::new());
    };
    let files = [
        "set_event",
        "tracing_on",
        "current_tracer",
        "trace_clock",
        "set_event_pid",
        "buffer_size_kb",
        "trace_options",
    ];
    let settings = files
        .iter()
        .map(|f| {
            format!(
                "{f}: {}",
                std::fs::read_to_string(root.join(f)).unwrap_or_default()
            )
        })
        .collect();
    let mut instances: Vec<String> = std::fs::read_dir(root.join("instances"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                // Another capture running now (another user's, another
                // test binary's) owns its instances: only those of no
                // live process are left behind. Ours are checked by name.
                .filter(|n| !owner_alive(n))
                .collect()
        })
        .unwrap_or_default();
    instances.sort();
    (settings, instances)
}

/// Whether the process named in an instance `socklab-<pid>-...` is running.
fn owner_alive(instance: &str) -> bool {
    instance
        .strip_prefix("socklab-")
        .and_then(|rest| rest.split('-').next())
        .and_then(|pid| pid.parse::<u32>().ok())
        .is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists())
}

fn instance_exists(name: &str) -> bool {
    tracefs().is_some_and(|r| r.join("instances").join(name).exists())
}

/// ktrace's first line.
fn ready(p: &Proc) -> Value {
    let line = p.wait_for("\"type\":\"ready\"");
    serde_json::from_str(&line).unwrap()
}

fn names(ready: &Value) -> Vec<String> {
    ready["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid}");
}

fn wait_gone(names: &[String]) -> bool {
    let deadline = Instant::now() + WAIT;
    while names.iter().any(|n| instance_exists(n)) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

fn can_trace() -> bool {
    if unsafe_free_euid() != 0 {
        eprintln!("skipped: the kernel's view needs root");
        return false;
    }
    if tracefs().is_none() {
        // Opening a tracer mounts it if it can; try once.
        if let Err(why) = Tracer::open(&Config::default()) {
            eprintln!("skipped: {why}");
            return false;
        }
    }
    if !ktrace().exists() {
        eprintln!("skipped: {} is not built", ktrace().display());
        return false;
    }
    true
}

#[test]
fn drop_removes_the_instances_and_leaves_global_tracing_alone() {
    let _t = turn();
    if !can_trace() {
        return;
    }
    let before = global_state();
    let t = Tracer::open(&Config::default()).unwrap();
    let names = t.status().instances.clone();
    assert_eq!(names.len(), 2);
    assert!(t.status().notes.is_empty(), "{:?}", t.status().notes);
    assert!(t.status().disabled.is_empty(), "{:?}", t.status().disabled);
    assert!(names.iter().all(|n| instance_exists(n)));
    assert_eq!(
        global_state().0,
        before.0,
        "global settings untouched while tracing"
    );
    drop(t);
    assert!(names.iter().all(|n| !instance_exists(n)));
    assert_eq!(global_state(), before);
}

#[test]
fn sigterm_removes_the_instances_even_after_root_was_given_back() {
    let _t = turn();
    if !can_trace() {
        return;
    }
    let before = global_state();
    for drop_to in [None, Some("65534:65534")] {
        let mut cmd = Command::new(ktrace());
        cmd.args(["--seconds", "60"]);
        if let Some(ids) = drop_to {
            cmd.args(["--drop-to", ids]);
        }
        let mut k = Proc::start(&mut cmd);
        let r = ready(&k);
        let names = names(&r);
        assert!(names.iter().all(|n| instance_exists(n)));
        signal(k.pid(), "-TERM");
        let rest = k.finish();
        let report: Value = rest
            .iter()
            .find(|l| l.contains("\"type\":\"report\""))
            .map(|l| serde_json::from_str(l).unwrap())
            .unwrap_or_else(|| panic!("no report in {rest:?}"));
        assert_eq!(report["removed"], true, "{drop_to:?}: {report}");
        assert!(wait_gone(&names), "{drop_to:?}: instances left");
    }
    assert_eq!(global_state(), before);
}

#[test]
fn after_sigkill_the_helper_or_the_next_start_removes_the_instances() {
    let _t = turn();
    if !can_trace() {
        return;
    }
    let before = global_state();
    // SIGKILL: the root helper notices and removes them.
    let k = Proc::start(Command::new(ktrace()).args(["--seconds", "60"]));
    let names1 = names(&ready(&k));
    signal(k.pid(), "-KILL");
    assert!(wait_gone(&names1), "the helper removed them");
    drop(k);

    // SIGKILL of the helper and then of ktrace: stale instances stay...
    let k = Proc::start(Command::new(ktrace()).args(["--seconds", "60"]));
    let r = ready(&k);
    let names2 = names(&r);
    let helper = r["cleaner_pid"].as_u64().expect("a helper") as u32;
    signal(helper, "-KILL");
    signal(k.pid(), "-KILL");
    drop(k);
    // (wait for the kernel to close the dead process's descriptors)
    let deadline = Instant::now() + WAIT;
    while std::fs::metadata(format!("/proc/{helper}")).is_ok() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(names2.iter().all(|n| instance_exists(n)), "left behind");
    // ...until the next start recognises them as a dead process's.
    let t = Tracer::open(&Config::default()).unwrap();
    let mut removed = t.status().removed_stale.clone();
    removed.sort();
    let mut want = names2.clone();
    want.sort();
    assert_eq!(removed, want);
    assert!(names2.iter().all(|n| !instance_exists(n)));
    drop(t);
    assert_eq!(global_state(), before);
}

#[test]
fn following_a_program_sees_it_from_its_first_call_and_nothing_else() {
    let _t = turn();
    if !can_trace() {
        return;
    }
    let port = free_port().to_string();
    let server = Proc::python(&lab("servidor_tcp.py"), &["--port", &port]);
    server.wait_for("listening on");
    let client = lab("cliente_tcp.py");
    let mut k = Proc::start(Command::new(ktrace()).args([
        "--",
        "python3",
        client.to_str().unwrap(),
        "--port",
        &port,
        "one",
    ]));
    let mut facts: Vec<Value> = Vec::new();
    let deadline = Instant::now() + WAIT;
    loop {
        match k.lines.recv_timeout(WAIT) {
            Ok(l) if l.starts_with('{') => {
                let v: Value = serde_json::from_str(&l).unwrap();
                let end = v["type"] == "report";
                facts.push(v);
                if end {
                    break;
                }
            }
            Ok(_) => {}
            Err(_) => panic!("ktrace ended without a report"),
        }
        assert!(Instant::now() < deadline);
    }
    k.finish();
    let calls: Vec<&Value> = facts.iter().filter(|v| v["type"] == "call").collect();
    let pids: std::collections::BTreeSet<u64> =
        calls.iter().filter_map(|c| c["pid"].as_u64()).collect();
    assert_eq!(pids.len(), 1, "one program: {pids:?}");
    assert!(!pids.contains(&u64::from(server.pid())));
    let first = calls.first().expect("calls");
    assert_eq!(first["call"], "socket", "its very first socket call");
    assert_eq!(first["prog"], "python3 cliente_tcp.py");
    assert!(calls
        .iter()
        .any(|c| c["call"] == "connect" && c["phase"] == "return" && c["result"] == 0));
    let report = facts.last().unwrap();
    assert_eq!(report["removed"], true);
}

// ---------------------------------------------------------------------
// capture itself with the kernel's view (issue 13 phase 2): the same
// Python peers, under the real `capture` binary, read from its --json.

/// `capture --json ARGS`, started and listening; `None` (and why) when
/// this machine cannot trace.
fn capture(args: &[&str], stdin: Option<Stdio>) -> Option<Proc> {
    capture_and_header(args, stdin).map(|(p, _)| p)
}

/// [`capture`], and the lines it said before it was listening.
fn capture_and_header(args: &[&str], stdin: Option<Stdio>) -> Option<(Proc, Vec<String>)> {
    if !can_trace() {
        return None;
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_capture"));
    cmd.env("LC_ALL", "C").arg("--json").args(args);
    let p = match stdin {
        Some(s) => {
            cmd.stdin(s);
            Proc::start_with_stdin(&mut cmd)
        }
        None => Proc::start(&mut cmd),
    };
    let mut header = Vec::new();
    loop {
        let line = p
            .lines
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| panic!("capture never listened: {header:?}"));
        assert!(
            !line.contains("note:"),
            "capture as root did not trace: {line}"
        );
        let listening = line.contains("listening on");
        header.push(line);
        if listening {
            return Some((p, header));
        }
    }
}

/// Stop a capture with SIGINT (or let it end by itself with `signal`
/// None) and take its JSON items and its stderr lines.
fn capture_end(mut p: Proc, sig: Option<&str>) -> (Vec<Value>, Vec<String>) {
    if let Some(sig) = sig {
        // Let the last teardown reach it through the hold first.
        std::thread::sleep(Duration::from_millis(800));
        signal(p.pid(), sig);
    }
    let lines = p.finish();
    let status = p.child.wait().unwrap();
    assert!(status.success(), "capture ended with {status}: {lines:?}");
    let (json, rest): (Vec<&String>, Vec<&String>) = lines.iter().partition(|l| l.starts_with('{'));
    let items = json
        .into_iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (items, rest.into_iter().cloned().collect())
}

fn position(items: &[Value], what: &str, f: impl Fn(&Value) -> bool) -> usize {
    items
        .iter()
        .position(f)
        .unwrap_or_else(|| panic!("no {what} in {:#?}", items))
}

fn is_call(v: &Value, prog: &str, call: &str, phase: &str) -> bool {
    v["type"] == "call"
        && v["source"] == "kernel"
        && v["prog"] == prog
        && v["call"] == call
        && v["phase"] == phase
}

fn has_flags(v: &Value, want: &[&str]) -> bool {
    let flags: Vec<&str> = v["flags"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    v["type"] == "segment" && flags.len() == want.len() && want.iter().all(|f| flags.contains(f))
}

#[test]
fn capture_puts_a_python_programs_calls_beside_the_segments_they_caused() {
    let _t = turn();
    let port = free_port();
    let ps = port.to_string();
    let Some(cap) = capture(&["--port", &ps], None) else {
        return;
    };
    let server = Proc::python(&lab("servidor_tcp.py"), &["--port", &ps]);
    server.wait_for("listening on");
    let mut client = Proc::python(&lab("cliente_tcp.py"), &["--port", &ps, "hello"]);
    client.finish();
    server.wait_for("done");
    drop(server);
    let (items, stderr) = capture_end(cap, Some("-INT"));
    let (cli, srv) = ("python3 cliente_tcp.py", "python3 servidor_tcp.py");

    // connect() entered before the SYN it caused, and says so.
    let connect = position(&items, "connect enter", |v| {
        is_call(v, cli, "connect", "enter")
    });
    let syn = position(&items, "the SYN", |v| has_flags(v, &["SYN"]));
    assert!(connect < syn, "connect() ... comes before the SYN");
    assert_eq!(items[connect]["relation"], "-> SYN");
    let conn = items[syn]["conn"].as_u64().expect("a connection number");
    // accept() returned after handshake step 3, with the client's address.
    let step3 = position(&items, "handshake step 3", |v| v["step"] == "handshake-3");
    let accept = position(&items, "accept return", |v| {
        is_call(v, srv, "accept", "return")
    });
    assert!(step3 < accept);
    assert_eq!(
        items[accept]["relation"],
        "returned after handshake step 3/3 (ACK)"
    );
    assert_eq!(items[accept]["peer"], items[syn]["src"]);
    // Each recv() names what woke it: the data it returned, or the FIN of
    // its 0 bytes; never the ACK its own socket sent of that data.
    let recvs = |prog: &str| -> Vec<&Value> {
        items
            .iter()
            .filter(|v| is_call(v, prog, "recv", "return"))
            .collect()
    };
    let (srv_recvs, cli_recvs) = (recvs(srv), recvs(cli));
    assert_eq!(srv_recvs.len(), 2, "{srv_recvs:#?}");
    assert_eq!(srv_recvs[0]["relation"], "returned after data arrived");
    assert_eq!(
        srv_recvs[1]["relation"],
        "returned after teardown step 1 (FIN)"
    );
    assert_eq!(cli_recvs.len(), 1, "{cli_recvs:#?}");
    assert_eq!(cli_recvs[0]["relation"], "returned after data arrived");
    // close() entered before the client's FIN.
    let close = position(&items, "the client's close", |v| {
        is_call(v, cli, "close", "enter")
    });
    let fin = position(&items, "the client's FIN", |v| {
        has_flags(v, &["FIN", "ACK"]) && v["dir"] == "c2s"
    });
    assert!(close < fin);
    assert_eq!(items[close]["relation"], "-> FIN-ACK");
    // Every kernel call on the connection carries its number and its
    // program's script name; the send said its bytes.
    let on_conn: Vec<&Value> = items
        .iter()
        .filter(|v| v["type"] == "call" && v["source"] == "kernel" && v["peer"].is_string())
        .collect();
    assert!(on_conn.len() >= 8, "{on_conn:#?}");
    for c in &on_conn {
        assert_eq!(c["conn"].as_u64(), Some(conn), "{c}");
        assert!(c["prog"] == cli || c["prog"] == srv, "{c}");
    }
    let send = position(&items, "the client's send", |v| {
        is_call(v, cli, "send", "enter")
    });
    assert_eq!(items[send]["relation"], "-> PSH-ACK (6 bytes)");
    // The kernel agreed with the wire here: no kernel lesson was needed,
    // and each segment carries the kernel's states.
    for v in items.iter().filter(|v| v["type"] == "segment") {
        assert!(v["kernel_state"].is_object(), "{v}");
        assert!(
            !v["note"]
                .as_str()
                .unwrap()
                .contains("never got this segment"),
            "{v}"
        );
    }
    assert!(
        stderr
            .iter()
            .any(|l| l.contains("kernel view:") && l.contains("tracing instances removed")),
        "{stderr:?}"
    );
}

/// Each socket's kernel state changes as capture's JSON reports them,
/// keyed like [`TextView::sequences`].
fn capture_sequences(items: &[Value]) -> Sequences {
    let number = |name: &str| -> i32 {
        (1..=12)
            .find(|&n| SockState::from_kernel(n).as_str() == name)
            .unwrap_or(-1)
    };
    let port =
        |v: &Value| -> Option<u16> { v.as_str()?.parse::<SocketAddr>().ok().map(|a| a.port()) };
    let mut by_sock: BTreeMap<u64, Gathering> = BTreeMap::new();
    for v in items.iter().filter(|v| v["type"] == "kernel_state") {
        let e = by_sock.entry(v["sock"].as_u64().unwrap()).or_default();
        e.0.push((
            number(v["old"].as_str().unwrap()),
            number(v["new"].as_str().unwrap()),
        ));
        if let Some(l) = port(&v["local"]) {
            e.1 = (l, port(&v["peer"]).unwrap_or(0));
        }
    }
    by_sock.into_values().map(|(seq, key)| (key, seq)).collect()
}

fn capture_teardown_case(case: &str) {
    let _t = turn();
    let port = free_port();
    let ps = port.to_string();
    let Some(cap) = capture(&["--port", &ps], None) else {
        return;
    };
    let text = TextView::open(port);
    let scripts = Scripts::new();
    let mut server = (case != "refused").then(|| {
        let s = Proc::python(&scripts.path("servidor.py"), &[case, &ps]);
        s.wait_for("listening on");
        s
    });
    let mut client = Proc::python(&scripts.path("cliente.py"), &[case, &ps]);
    client.finish();
    if let Some(s) = server.as_mut() {
        s.finish();
    }
    let (items, _) = capture_end(cap, Some("-INT"));
    let theirs = text.sequences();
    assert!(!theirs.is_empty(), "the text view saw the states");
    let ours = capture_sequences(&items);
    assert_eq!(
        ours, theirs,
        "{case}: capture's kernel states vs the kernel's own text"
    );
    // Both sockets of the connection are attributed to it.
    let sides: Vec<&str> = items
        .iter()
        .filter(|v| v["type"] == "kernel_state" && v["conn"].is_u64())
        .filter_map(|v| v["side"].as_str())
        .collect();
    assert!(sides.contains(&"client"), "{case}: {sides:?}");
    if case != "refused" {
        assert!(sides.contains(&"server"), "{case}: {sides:?}");
    }
    if case == "half-close" {
        let shut = position(&items, "shutdown enter", |v| {
            is_call(v, "python3 cliente.py", "shutdown", "enter")
        });
        assert_eq!(items[shut]["kernel"]["how"], "SHUT_WR");
        assert_eq!(items[shut]["relation"], "-> FIN-ACK");
    }
    if case == "linger0" {
        let close = position(&items, "close enter", |v| {
            is_call(v, "python3 cliente.py", "close", "enter")
        });
        assert_eq!(items[close]["relation"], "-> RST-ACK");
        let rst = position(&items, "the RST", |v| {
            v["type"] == "segment" && v["dir"] == "c2s" && v["step"] == "reset"
        });
        assert!(close < rst);
        assert_eq!(items[rst]["kernel_confirmed"], true, "the kernel sent it");
    }
    if case == "refused" {
        position(&items, "connect -> ECONNREFUSED", |v| {
            is_call(v, "python3 cliente.py", "connect", "return") && v["result"] == "ECONNREFUSED"
        });
    }
}

#[test]
fn capture_client_close_kernel_states_match_the_kernels_own_text() {
    capture_teardown_case("client-close");
}

#[test]
fn capture_server_close_kernel_states_match_the_kernels_own_text() {
    capture_teardown_case("server-close");
}

#[test]
fn capture_half_close_kernel_states_match_the_kernels_own_text() {
    capture_teardown_case("half-close");
}

#[test]
fn capture_linger_zero_reset_kernel_states_match_the_kernels_own_text() {
    capture_teardown_case("linger0");
}

#[test]
fn capture_refused_kernel_states_match_the_kernels_own_text() {
    capture_teardown_case("refused");
}

#[test]
fn capture_of_a_program_shows_its_calls_and_not_anothers_on_the_same_port() {
    let _t = turn();
    let port = free_port();
    let ps = port.to_string();
    let server = Proc::python(&lab("servidor_off.py"), &["--port", &ps]);
    server.wait_for("listening on");
    let client = lab("cliente_off.py").display().to_string();
    let Some(mut cap) = capture(
        &["--port", &ps, "--", "python3", &client, "--port", &ps],
        Some(Stdio::piped()),
    ) else {
        return;
    };
    // The followed client is connected and served; another client of the
    // same server connects meanwhile (it waits in the backlog).
    server.wait_for("connected");
    let mut other = Command::new("python3")
        .arg(lab("cliente_off.py"))
        .args(["--port", &ps])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let opid = other.id();
    let mut input = cap.child.stdin.take().unwrap();
    writeln!(input, "from the followed one").unwrap();
    drop(input);
    server.wait_for("from the followed one");
    let mut oin = other.stdin.take().unwrap();
    writeln!(oin, "from the other one").unwrap();
    drop(oin);
    server.wait_for("from the other one");
    let _ = other.wait();
    let (items, _) = capture_end(cap, None);
    let calls: Vec<&Value> = items
        .iter()
        .filter(|v| v["type"] == "call" && v["source"] == "kernel")
        .collect();
    let prog = "python3 cliente_off.py";
    for (call, phase) in [("connect", "enter"), ("send", "enter"), ("close", "enter")] {
        position(&items, call, |v| is_call(v, prog, call, phase));
    }
    let followed = calls[0]["pid"].as_u64().unwrap();
    assert!(
        calls.iter().all(|c| c["pid"].as_u64() == Some(followed)),
        "only the program capture ran: {calls:#?}"
    );
    assert_ne!(followed, u64::from(opid));
    assert!(!calls
        .iter()
        .any(|c| c["pid"].as_u64() == Some(u64::from(server.pid()))));
}

/// The tracing instances of a running capture (named after its pid).
fn capture_instances(p: &Proc) -> Vec<String> {
    let root = tracefs().unwrap();
    let mut v: Vec<String> = std::fs::read_dir(root.join("instances"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!("socklab-{}-", p.pid())))
        .collect();
    v.sort();
    v
}

#[test]
fn capture_leaves_no_tracing_instance_after_exit_ctrl_c_sigterm_or_sigkill() {
    let _t = turn();
    if !can_trace() {
        return;
    }
    let before = global_state().0;
    let port = free_port().to_string();
    // The end of its program, Ctrl-C, SIGTERM.
    for how in [None, Some("-INT"), Some("-TERM")] {
        let args: Vec<&str> = match how {
            None => vec!["--port", &port, "--", "/bin/true"],
            Some(_) => vec!["--port", &port],
        };
        let Some(cap) = capture(&args, None) else {
            return;
        };
        let names = capture_instances(&cap);
        assert_eq!(names.len(), 2, "{how:?}: {names:?}");
        let (_, stderr) = capture_end(cap, how);
        assert!(wait_gone(&names), "{how:?}: instances left: {names:?}");
        assert!(
            stderr
                .iter()
                .any(|l| l.contains("tracing instances removed")),
            "{how:?}: {stderr:?}"
        );
        assert_eq!(
            global_state().0,
            before,
            "{how:?}: global tracing untouched"
        );
    }
    // SIGKILL, its cleanup helper killed too: the instances stay until the
    // next capture, which says it removed them.
    let cap = capture(&["--port", &port], None).unwrap();
    let names = capture_instances(&cap);
    assert_eq!(names.len(), 2);
    let helpers: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/status"))
                .is_ok_and(|s| s.lines().any(|l| l == format!("PPid:\t{}", cap.pid())))
        })
        .collect();
    for h in &helpers {
        signal(*h, "-KILL");
    }
    signal(cap.pid(), "-KILL");
    drop(cap);
    for h in &helpers {
        let deadline = Instant::now() + WAIT;
        while std::fs::metadata(format!("/proc/{h}")).is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let left: Vec<&String> = names.iter().filter(|n| instance_exists(n)).collect();
    let (next, header) = capture_and_header(&["--port", &port], None).unwrap();
    if !left.is_empty() {
        let said = header
            .iter()
            .find(|l| l.contains("removed the tracing instances"))
            .unwrap_or_else(|| panic!("{left:?} left, nothing said: {header:?}"));
        for n in &left {
            assert!(said.contains(n.as_str()), "{said}");
        }
    }
    assert!(
        names.iter().all(|n| !instance_exists(n)),
        "stale ones removed"
    );
    capture_end(next, Some("-INT"));
    assert_eq!(global_state().0, before);
}

#[test]
fn without_root_capture_says_in_one_line_why_the_kernels_view_is_off() {
    let _t = turn();
    if unsafe_free_euid() != 0 {
        eprintln!("skipped: needs root to make an unprivileged capture that can still sniff");
        return;
    }
    // An ordinary user's capture in its own network: no tracefs there.
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_capture"))
        .args(["--private", "--json", "--", "/bin/true"])
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && stderr.contains("user namespace") {
        eprintln!("skipped: this system forbids unprivileged user namespaces: {stderr}");
        return;
    }
    assert!(out.status.success(), "{stderr}");
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("socklab's own programs are still shown"))
        .collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    assert!(notes[0].starts_with("capture: note: "), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

/// The lesson of lab 10 part 4, asserted: a program that closes while its
/// data (and so its FIN) is still queued is in FIN-WAIT-1 from `close()`,
/// while the wire still shows plain data; capture says so beside such a
/// segment, and its `kernel_state` says FIN-WAIT-1 where the wire's
/// inference still says ESTABLISHED.
#[test]
fn capture_says_the_kernel_entered_fin_wait_1_at_close_while_the_fin_was_queued() {
    let _t = turn();
    let port = free_port();
    let ps = port.to_string();
    // A reader slower than the writer (it reads and prints every line), so
    // that close() comes while much of the 2 MB is still unsent.
    let mut sink = print_sink(port);
    let program = format!(
        "import socket\n\
         s = socket.create_connection(('127.0.0.1', {port}))\n\
         s.sendall((b'x' * 99 + b'\\n') * 20000)\n\
         s.close()\n"
    );
    let Some(cap) = capture(&["--port", &ps, "--", "python3", "-c", &program], None) else {
        return;
    };
    let (items, _) = capture_end(cap, None);
    sink.finish();
    let client = "python3 -c";
    let close = position(&items, "the client's close", |v| {
        is_call(v, client, "close", "enter")
    });
    let fin = position(&items, "the client's FIN", |v| {
        v["type"] == "segment"
            && v["dir"] == "c2s"
            && v["flags"]
                .as_array()
                .is_some_and(|f| f.iter().any(|x| x == "FIN"))
    });
    let lesson = position(&items, "the FIN-WAIT-1 lesson", |v| {
        v["type"] == "segment"
            && v["note"].as_str().is_some_and(|n| {
                n.contains("The client's kernel entered FIN-WAIT-1 at close() or shutdown()")
                    && n.contains("while its FIN was still queued behind data")
            })
    });
    let seg = &items[lesson];
    // Said beside a data segment (after close() was called: its
    // kernel-clock time and the packet times may differ by a few
    // milliseconds, so the order checked is the wire's: before the FIN).
    assert!(lesson < fin, "{}\n{seg}", items[close]);
    assert_eq!(seg["dir"], "c2s", "{seg}");
    assert!(seg["len"].as_u64().unwrap_or(0) > 0, "{seg}");
    // The kernel's state against the wire's: FIN-WAIT-1 while the wire's
    // inference still says ESTABLISHED.
    assert_eq!(seg["kernel_state"]["client"], "FIN-WAIT-1", "{seg}");
    assert_eq!(seg["client_state"], "ESTABLISHED", "{seg}");
    // Said once per connection, not on every queued segment.
    let said = items
        .iter()
        .filter(|v| {
            v["note"]
                .as_str()
                .is_some_and(|n| n.contains("entered FIN-WAIT-1 at close()"))
        })
        .count();
    assert_eq!(said, 1);
}

/// `tcp_server --mode print --once` on `port` (it reads and prints each
/// line, never answers), listening.
fn print_sink(port: u16) -> Proc {
    let ps = port.to_string();
    let sink = Proc::start(
        Command::new(env!("CARGO_BIN_EXE_tcp_server"))
            .args(["--port", &ps, "--mode", "print", "--once", "--quiet"]),
    );
    let deadline = Instant::now() + WAIT;
    while !listening(port) {
        assert!(Instant::now() < deadline, "tcp_server never listened");
        std::thread::sleep(Duration::from_millis(20));
    }
    sink
}

/// A TCP socket listens on `port` (from /proc/net/tcp, without
/// connecting: a `--once` server would take that connection as its one).
fn listening(port: u16) -> bool {
    let want = format!(":{port:04X} ");
    std::fs::read_to_string("/proc/net/tcp")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split_whitespace().nth(3) == Some("0A") && l.contains(&want))
}

/// A thread that made its socket calls and exited before capture read its
/// records (so /proc no longer knows it) is still named after its program
/// and its process, not `?[tid]`.
#[test]
fn a_threads_calls_carry_its_programs_name_after_the_thread_has_exited() {
    let _t = turn();
    let port = free_port();
    let ps = port.to_string();
    let mut sink = print_sink(port);
    // (capture runs it as the user who ran sudo, if anyone did: the
    // directory is theirs then, see harness::fresh_dir)
    let dir = harness::fresh_dir();
    let script = dir.path().join("conversa.py");
    std::fs::write(
        &script,
        format!(
            "import os, socket, threading, time\n\
             def talk():\n\
             \x20   print(f'ids {{os.getpid()}} {{threading.get_native_id()}}', flush=True)\n\
             \x20   s = socket.create_connection(('127.0.0.1', {port}))\n\
             \x20   s.sendall(b'from a thread\\n')\n\
             \x20   s.close()\n\
             t = threading.Thread(target=talk)\n\
             t.start()\n\
             t.join()\n\
             time.sleep(1)\n"
        ),
    )
    .unwrap();
    let path = script.display().to_string();
    let Some(cap) = capture(&["--port", &ps, "--", "python3", &path], None) else {
        return;
    };
    let (items, rest) = capture_end(cap, None);
    sink.finish();
    drop(dir);
    let ids: Vec<u64> = rest
        .iter()
        .find_map(|l| Some(l.split_once("ids ")?.1))
        .unwrap_or_else(|| panic!("the program said its ids: {rest:?}"))
        .split(' ')
        .map(|x| x.parse().unwrap())
        .collect();
    let (pid, tid) = (ids[0], ids[1]);
    assert_ne!(pid, tid, "the calls were made by a second thread");
    let calls: Vec<&Value> = items
        .iter()
        .filter(|v| v["type"] == "call" && v["source"] == "kernel")
        .collect();
    for (call, phase) in [("connect", "enter"), ("send", "enter"), ("close", "enter")] {
        position(&items, call, |v| {
            is_call(v, "python3 conversa.py", call, phase)
        });
    }
    for c in &calls {
        assert_eq!(c["prog"], "python3 conversa.py", "{c}");
        assert_eq!(c["pid"].as_u64(), Some(pid), "{c}");
    }
}
