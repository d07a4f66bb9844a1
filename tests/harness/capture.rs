//! What the capture tests add to the harness: a live `capture --json` in the
//! background, `capture` runs on files (with their peak memory), reading
//! the JSON lines back, and the signals an instructor's Ctrl-C sends.

use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{bin, events_socket, Running, TestCommand};

/// How long a `capture` run on a file may take: the bounds tests feed it
/// hundreds of megabytes on a busy machine.
pub const FILE_RUN_LIMIT: Duration = Duration::from_secs(300);

/// Path of the capture binary built for these tests.
pub fn capture_bin() -> &'static str {
    bin("capture")
}

/// True when live captures are possible; otherwise prints why a test skips.
pub fn can_capture(test: &str) -> bool {
    if socklab::sys::is_root() {
        return true;
    }
    eprintln!("skipping {test}: live capture needs root (CI runs as root); run `sudo cargo test` to include it");
    false
}

/// A live `capture --json` running in the background.
pub struct LiveCapture {
    running: Running,
    /// Its events socket (`SOCKLAB_EVENTS`).
    pub events: std::path::PathBuf,
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
        events: std::path::PathBuf,
        args: &[&str],
        configure: impl FnOnce(&mut Command),
    ) -> LiveCapture {
        let mut cmd = TestCommand::new("capture");
        cmd.arg("--json").args(args).events(&events).stdin_null();
        configure(cmd.command_mut());
        let running = cmd.start();
        running.wait_stderr("listening on");
        // The events socket is bound right after the "listening" line.
        let deadline = Instant::now() + Duration::from_secs(5);
        while !events.exists() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        LiveCapture { running, events }
    }

    /// The capture's process id.
    pub fn pid(&self) -> u32 {
        self.running.pid()
    }

    /// What it printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.running.stderr()
    }

    /// Stop it with SIGTERM (as an instructor's Ctrl-C would) and return
    /// every JSON object it printed.
    pub fn stop(mut self) -> Vec<Value> {
        // Let the last segments and events through the hold-back queue.
        thread::sleep(Duration::from_millis(600));
        signal(self.pid(), "TERM");
        let status = self.running.wait_exit();
        assert!(
            status.success(),
            "capture must exit 0 on SIGTERM ({status}); stderr: {}",
            self.stderr()
        );
        self.running
            .stdout_lines()
            .iter()
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"))
            })
            .collect()
    }
}

/// `capture ARGS` with the harness's defaults, allowed [`FILE_RUN_LIMIT`].
pub fn capture(args: &[&str]) -> TestCommand {
    let mut cmd = TestCommand::new("capture");
    cmd.args(args).limit(FILE_RUN_LIMIT);
    cmd
}

/// `capture ARGS` on a terminal `columns` wide: its standard output (it
/// must succeed; if not, the test fails showing its stderr).
pub fn capture_at(args: &[&str], columns: usize) -> String {
    let out = capture(args).env("COLUMNS", columns.to_string()).run();
    assert_eq!(out.code, Some(0), "capture {args:?}: {}", out.stderr);
    out.stdout
}

/// Run `capture ARGS` to its end; (exit code, stdout, stderr).
pub fn run_capture(args: &[&str]) -> (i32, String, String) {
    capture(args).run().parts()
}

/// Run `capture ARGS` to its end, following its peak memory (`VmHWM`);
/// (exit code, stdout, stderr, peak KiB).
pub fn run_capture_peak(args: &[&str]) -> (i32, String, String, u64) {
    let mut running = capture(args).stdin_null().start();
    let deadline = Instant::now() + FILE_RUN_LIMIT;
    let mut peak = 0;
    loop {
        // The high-water mark only grows: the last reading is the peak
        // up to a few milliseconds before the exit.
        if let Some(kb) = proc_kb(running.pid(), "VmHWM") {
            peak = peak.max(kb);
        }
        if !running.is_running() {
            break;
        }
        assert!(Instant::now() < deadline, "capture {args:?} did not finish");
        thread::sleep(Duration::from_millis(5));
    }
    let (code, out, err) = running.finish().parts();
    (code, out, err, peak)
}

/// Wait for a child with a limit; kills it (by its pid) if it is still running.
pub fn wait_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(Some(s)) = child.try_wait() {
            return Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return None;
        }
        thread::sleep(Duration::from_millis(20));
    }
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
pub fn addr(v: &Value) -> std::net::SocketAddr {
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
    let deadline = Instant::now() + Duration::from_secs(20);
    while !catches_sigint(pid) {
        assert!(
            Instant::now() < deadline,
            "capture never installed its Ctrl-C handler"
        );
        thread::sleep(Duration::from_millis(10));
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
pub fn interrupt(child: &mut Child, limit: Duration) -> (Option<ExitStatus>, Duration) {
    let start = Instant::now();
    signal(child.id(), "INT");
    let status = wait_timeout(child, limit);
    (status, start.elapsed())
}

/// Send small UDP datagrams to 127.0.0.1:`port` as fast as possible until
/// `stop` is set; the thread returns how many were sent.
pub fn udp_flood(port: u16, stop: Arc<AtomicBool>) -> thread::JoinHandle<u64> {
    thread::spawn(move || {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let payload = [b'x'; 200];
        let mut sent = 0;
        while !stop.load(Ordering::SeqCst) {
            for _ in 0..100 {
                if s.send_to(&payload, ("127.0.0.1", port)).is_ok() {
                    sent += 1;
                }
            }
        }
        sent
    })
}
