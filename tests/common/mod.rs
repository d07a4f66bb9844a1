//! Helpers for the lab programs' integration tests: run the real binaries on
//! free loopback ports, read what they print, and always clean them up.
//!
//! Every child is killed by its pid when its guard is dropped, even when a
//! test fails half way. Waits are generous (the CI machine is small and
//! busy); no test asserts on timing.

#![allow(dead_code)] // each test file uses its own subset

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long to wait for anything before failing the test.
pub const WAIT: Duration = Duration::from_secs(60);

/// Path of a built lab program.
pub fn exe(name: &str) -> &'static str {
    match name {
        "tcp_server" => env!("CARGO_BIN_EXE_tcp_server"),
        "tcp_client" => env!("CARGO_BIN_EXE_tcp_client"),
        "udp_server" => env!("CARGO_BIN_EXE_udp_server"),
        "udp_client" => env!("CARGO_BIN_EXE_udp_client"),
        other => panic!("no lab program called {other}"),
    }
}

/// An event socket path nobody listens on, so the tests never send events
/// into a capture that someone happens to be running.
pub fn no_events_path() -> PathBuf {
    std::env::temp_dir().join(format!("socklab-tests-no-events-{}", std::process::id()))
}

/// The command for lab program `name` with `args`, events sent nowhere, in
/// English whatever the machine's locale (`LC_ALL=C`; a test of another
/// language sets `LC_ALL` again).
pub fn command(name: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(exe(name));
    cmd.args(args)
        .env("SOCKLAB_EVENTS", no_events_path())
        .env("LC_ALL", "C")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Lines a child has printed so far on one stream, and whether it has ended.
#[derive(Default)]
struct Collected {
    state: Mutex<(Vec<String>, bool)>,
    changed: Condvar,
}

impl Collected {
    /// Read `stream` line by line in a background thread.
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
                        let mut state = sink.state.lock().unwrap();
                        state.0.push(text);
                        sink.changed.notify_all();
                    }
                }
            }
            sink.state.lock().unwrap().1 = true;
            sink.changed.notify_all();
        });
        collected
    }

    fn text(&self) -> String {
        let state = self.state.lock().unwrap();
        state.0.iter().map(|l| format!("{l}\n")).collect()
    }

    /// The first line matching `wanted`, waiting up to `timeout`.
    fn wait_for(&self, wanted: &dyn Fn(&str) -> bool, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        let mut state = self.state.lock().unwrap();
        loop {
            if let Some(line) = state.0.iter().find(|l| wanted(l)) {
                return Some(line.clone());
            }
            let now = Instant::now();
            if state.1 || now >= deadline {
                return None;
            }
            state = self.changed.wait_timeout(state, deadline - now).unwrap().0;
        }
    }

    fn wait_closed(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut state = self.state.lock().unwrap();
        while !state.1 && Instant::now() < deadline {
            state = self
                .changed
                .wait_timeout(state, deadline.saturating_duration_since(Instant::now()))
                .unwrap()
                .0;
        }
    }
}

/// A running lab program. Dropping it kills the child by its pid.
pub struct Running {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Arc<Collected>,
    stderr: Arc<Collected>,
}

impl Running {
    /// Start `cmd` (from [`command`]); `with_stdin` keeps a pipe to its stdin.
    pub fn start(name: &str, mut cmd: Command, with_stdin: bool) -> Running {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        if with_stdin {
            cmd.stdin(Stdio::piped());
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let stdout = Collected::start(child.stdout.take().expect("piped stdout"));
        let stderr = Collected::start(child.stderr.take().expect("piped stderr"));
        Running {
            name: name.to_string(),
            stdin: child.stdin.take(),
            child,
            stdout,
            stderr,
        }
    }

    /// Start lab program `name` with `args`.
    pub fn spawn(name: &str, args: &[&str]) -> Running {
        Running::start(name, command(name, args), false)
    }

    /// Start a server on a free port (`--port 0`) and return it with the
    /// address from its `listening on ADDRESS` line.
    pub fn server(name: &str, args: &[&str]) -> (Running, SocketAddr) {
        let mut all = vec!["--port", "0"];
        all.extend_from_slice(args);
        let server = Running::spawn(name, &all);
        let addr = server.listening_addr();
        (server, addr)
    }

    /// The address in the `listening on ADDRESS` line.
    pub fn listening_addr(&self) -> SocketAddr {
        let line = self.wait_stdout("listening on ");
        let addr = line.rsplit("listening on ").next().unwrap_or_default();
        addr.trim()
            .parse()
            .unwrap_or_else(|e| panic!("{}: cannot parse the address in {line:?}: {e}", self.name))
    }

    /// The first stdout line containing `text`; fails the test after [`WAIT`].
    pub fn wait_stdout(&self, text: &str) -> String {
        self.stdout
            .wait_for(&|l: &str| l.contains(text), WAIT)
            .unwrap_or_else(|| self.fail(&format!("no stdout line containing {text:?}")))
    }

    /// Everything printed on stdout so far.
    pub fn stdout(&self) -> String {
        self.stdout.text()
    }

    /// Everything printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.text()
    }

    /// Write to the child's stdin (started `with_stdin`).
    pub fn write_stdin(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("started with_stdin");
        stdin.write_all(bytes).expect("write to the child's stdin");
        stdin.flush().expect("flush the child's stdin");
    }

    /// Close the child's stdin (end of file for it).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Wait for the child to exit by itself; fails the test after [`WAIT`].
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Let the readers collect the last lines.
                self.stdout.wait_closed(WAIT);
                self.stderr.wait_closed(WAIT);
                return status;
            }
            if Instant::now() >= deadline {
                self.fail("did not exit");
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// True while the child has not exited.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn fail(&self, what: &str) -> ! {
        panic!(
            "{}: {what}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.name,
            self.stdout(),
            self.stderr()
        )
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Child::kill sends SIGKILL to this child's own pid, nothing else.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// What a finished program printed, and how it exited.
#[derive(Debug)]
pub struct Finished {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Run lab program `name` to completion with `stdin` as its input.
pub fn run(name: &str, args: &[&str], stdin: &[u8]) -> Finished {
    run_command(name, command(name, args), stdin)
}

/// Run `cmd` (from [`command`]) to completion with `stdin` as its input.
pub fn run_command(name: &str, cmd: Command, stdin: &[u8]) -> Finished {
    let mut running = Running::start(name, cmd, true);
    running.write_stdin(stdin);
    running.close_stdin();
    let status = running.wait_exit();
    Finished {
        code: status.code(),
        stdout: running.stdout(),
        stderr: running.stderr(),
    }
}

/// A port that was free a moment ago (nothing listens on it).
pub fn free_tcp_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

/// Assert that `text` contains `wanted`, showing all of `text` if not.
#[track_caller]
pub fn assert_contains(text: &str, wanted: &str) {
    assert!(text.contains(wanted), "expected {wanted:?} in:\n{text}");
}

/// Assert a runtime error as the user sees it: exit code 1 and exactly one
/// stderr line `prog: error: ...` holding `wanted`, no panic, no backtrace.
#[track_caller]
pub fn assert_one_line_error(out: &Finished, prog: &str, wanted: &str) {
    assert_eq!(out.code, Some(1), "exit code; output: {out:#?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "exactly one stderr line, got: {:?}",
        out.stderr
    );
    assert!(
        lines[0].starts_with(&format!("{prog}: error: ")),
        "{:?}",
        lines[0]
    );
    assert_contains(lines[0], wanted);
    assert!(!out.stderr.contains("panicked") && !out.stderr.contains("backtrace"));
}
