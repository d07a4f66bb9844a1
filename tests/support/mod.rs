//! Helpers for the capture tests: run the real `capture` binary, live or on
//! files, and read its JSON lines back.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// Path of the capture binary built for these tests.
pub fn capture_bin() -> &'static str {
    env!("CARGO_BIN_EXE_capture")
}

/// True when live captures are possible; otherwise prints why a test skips.
pub fn can_capture(test: &str) -> bool {
    if socklab::sys::is_root() {
        return true;
    }
    eprintln!("skipping {test}: live capture needs root (CI runs as root); run `sudo cargo test` to include it");
    false
}

/// A unique events socket path for one test (tests run in parallel).
pub fn events_socket(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("socklab-test-{}-{tag}.sock", std::process::id()))
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A live `capture --json` running in the background.
pub struct LiveCapture {
    child: Child,
    stdout: mpsc::Receiver<String>,
    pub stderr: std::sync::Arc<std::sync::Mutex<String>>,
    pub events: PathBuf,
}

impl LiveCapture {
    /// Start `capture --json ARGS` and wait until it listens.
    pub fn start(tag: &str, args: &[&str]) -> LiveCapture {
        LiveCapture::start_with(events_socket(tag), args, |_| {})
    }

    /// As [`LiveCapture::start`], with the events socket at `events` (given
    /// to capture as `SOCKLAB_EVENTS`, unless `configure` removes it) and
    /// `configure` to change the command's environment further.
    pub fn start_with(
        events: PathBuf,
        args: &[&str],
        configure: impl FnOnce(&mut Command),
    ) -> LiveCapture {
        let mut cmd = Command::new(capture_bin());
        cmd.arg("--json")
            .args(args)
            .env("SOCKLAB_EVENTS", &events)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        configure(&mut cmd);
        let mut child = cmd.spawn().expect("capture starts");
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let err = child.stderr.take().unwrap();
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (ready_tx, ready_rx) = mpsc::channel();
        {
            let stderr = stderr.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(err).lines() {
                    let Ok(line) = line else { break };
                    if line.contains("listening on") {
                        let _ = ready_tx.send(());
                    }
                    let mut s = stderr.lock().unwrap();
                    s.push_str(&line);
                    s.push('\n');
                }
            });
        }
        let mut cap = LiveCapture {
            child,
            stdout: rx,
            stderr,
            events,
        };
        if ready_rx.recv_timeout(Duration::from_secs(20)).is_err() {
            let _ = cap.child.kill();
            panic!(
                "capture did not start listening: {}",
                cap.stderr.lock().unwrap()
            );
        }
        // The events socket is bound right after the "listening" line.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !cap.events.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        cap
    }

    /// The capture's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stop it with SIGTERM (as an instructor's Ctrl-C would) and return
    /// every JSON object it printed.
    pub fn stop(mut self) -> Vec<Value> {
        // Let the last segments and events through the hold-back queue.
        std::thread::sleep(Duration::from_millis(600));
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let status = wait_timeout(&mut self.child, Duration::from_secs(20));
        assert!(
            status.is_some_and(|s| s.success()),
            "capture must exit 0 on SIGTERM; stderr: {}",
            self.stderr.lock().unwrap()
        );
        let mut out = Vec::new();
        while let Ok(line) = self.stdout.recv_timeout(Duration::from_secs(2)) {
            out.push(
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}")),
            );
        }
        out
    }
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Wait for a child with a limit.
pub fn wait_timeout(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Ok(Some(s)) = child.try_wait() {
            return Some(s);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Run `capture ARGS` to its end; (exit code, stdout, stderr).
pub fn run_capture(args: &[&str]) -> (i32, String, String) {
    let (code, out, err, _) = run_capture_peak(args);
    (code, out, err)
}

/// The JSON objects of one type.
pub fn of_type<'a>(objs: &'a [Value], ty: &str) -> Vec<&'a Value> {
    objs.iter().filter(|o| o["type"] == ty).collect()
}

/// The `step` of every segment, in order.
pub fn steps(objs: &[Value]) -> Vec<String> {
    of_type(objs, "segment")
        .iter()
        .map(|s| s["step"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The single `connection` record; panics with the output if not exactly one.
pub fn only_connection(objs: &[Value]) -> &Value {
    let c = of_type(objs, "connection");
    assert_eq!(c.len(), 1, "expected one connection record in {objs:#?}");
    c[0]
}

/// Parse `ip:port`.
pub fn addr(v: &Value) -> SocketAddr {
    v.as_str().unwrap().parse().unwrap()
}

/// A field of `/proc/PID/status` in KiB (`VmRSS`, `VmHWM`), while it runs.
pub fn proc_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// True once the process has a handler for SIGINT (capture installs one
/// after opening its source: a signal sent earlier would kill it).
pub fn catches_sigint(pid: u32) -> bool {
    const SIGINT_BIT: u64 = 1 << (2 - 1);
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("SigCgt:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .is_some_and(|mask| mask & SIGINT_BIT != 0)
}

/// Wait (at most 20 s) until `pid` catches SIGINT.
pub fn wait_for_sigint_handler(pid: u32) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !catches_sigint(pid) {
        assert!(
            std::time::Instant::now() < deadline,
            "capture never installed its Ctrl-C handler"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Send `signal` (`INT`, `TERM`) to `pid`.
pub fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status();
}

/// Send SIGINT and wait at most `limit` for the exit; the status and how
/// long it took (`None`: still running, then killed).
pub fn interrupt(
    child: &mut Child,
    limit: Duration,
) -> (Option<std::process::ExitStatus>, Duration) {
    let start = std::time::Instant::now();
    signal(child.id(), "INT");
    let status = wait_timeout(child, limit);
    (status, start.elapsed())
}

/// Send small UDP datagrams to 127.0.0.1:`port` as fast as possible until
/// `stop` is set; the thread returns how many were sent.
pub fn udp_flood(
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let payload = [b'x'; 200];
        let mut sent = 0;
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            for _ in 0..100 {
                if s.send_to(&payload, ("127.0.0.1", port)).is_ok() {
                    sent += 1;
                }
            }
        }
        sent
    })
}

/// Run `capture ARGS` to its end, following its peak memory (`VmHWM`);
/// (exit code, stdout, stderr, peak KiB).
pub fn run_capture_peak(args: &[&str]) -> (i32, String, String, u64) {
    let mut child = Command::new(capture_bin())
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("capture starts");
    let pid = child.id();
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = so.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = se.read_to_string(&mut s);
        s
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    let mut peak = 0;
    let status = loop {
        // The high-water mark only grows: the last reading is the peak
        // up to a few milliseconds before the exit.
        if let Some(kb) = proc_kb(pid, "VmHWM") {
            peak = peak.max(kb);
        }
        if let Ok(Some(s)) = child.try_wait() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("capture {args:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (
        status.code().unwrap_or(-1),
        out.join().unwrap(),
        err.join().unwrap(),
        peak,
    )
}
