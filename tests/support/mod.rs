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
    let mut child = Command::new(capture_bin())
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("capture starts");
    let mut out = String::new();
    let mut err = String::new();
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t = std::thread::spawn(move || {
        let mut e = String::new();
        let _ = se.read_to_string(&mut e);
        e
    });
    let _ = so.read_to_string(&mut out);
    err.push_str(&t.join().unwrap());
    let status = wait_timeout(&mut child, Duration::from_secs(120)).expect("capture finishes");
    (status.code().unwrap_or(-1), out, err)
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
