//! The one harness of the integration tests (ripgrep's `tests/util.rs` is
//! the model): [`TestCommand`] runs a real socklab binary the way a user
//! would, with the defaults every test wants, and either [`TestCommand::run`]s
//! it to its end ([`Finished`]) or [`TestCommand::start`]s it in the
//! background ([`Running`]), whose stdout and stderr are read line by line
//! while the test goes on.
//!
//! The defaults, so that a test never depends on the machine it runs on:
//! - `SOCKLAB_EVENTS` points at a private path nobody listens on, so that a
//!   test never sends events into a capture someone happens to be running
//!   ([`TestCommand::events`] gives a test its own live socket);
//! - `NO_COLOR=1`, and `LC_ALL=C`: English whatever the machine's locale (a
//!   Portuguese test sets `LC_ALL=pt_BR.UTF-8` on the builder);
//! - stdin is a pipe the test may type into ([`TestCommand::stdin_null`] for
//!   end of file at once), stdout and stderr are captured;
//! - every wait has a limit ([`WAIT`], or [`TestCommand::limit`]) after which
//!   the test fails showing both streams; no test asserts on timing.
//!
//! Scratch files and sockets ([`temp_path`], [`events_socket`],
//! [`fresh_dir`]) are in fresh private directories with random names,
//! never at a /tmp name that another user could prepare for a test run as
//! root.
//!
//! Every child is killed by its pid when its [`Running`] is dropped, also
//! when a test fails half way. [`capture`] adds what the capture tests need
//! (a live `capture --json`, reading its JSON), [`net`] what the chat and
//! two-host tests need (namespaces, the chat's message lines).
//!
//! A new feature test is a few lines:
//!
//! ```ignore
//! let (server, addr) = Running::server("tcp_server", &["--once"]);
//! let out = TestCommand::new("tcp_client")
//!     .args(["--port", &addr.port().to_string(), "-m", "hi"])
//!     .run();
//! assert_contains(&out.stdout, "hi");
//! ```

#![allow(dead_code)] // each test file uses its own subset
#![allow(unused_imports)] // the re-exports below, likewise

pub mod capture;
pub mod net;

pub use capture::*;
pub use net::*;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// How long to wait for anything (a line, an exit) before failing the test:
/// generous, the CI machine is small and busy.
pub const WAIT: Duration = Duration::from_secs(60);

/// Path of a socklab binary built for these tests.
pub fn bin(name: &str) -> &'static str {
    match name {
        "tcp_server" => env!("CARGO_BIN_EXE_tcp_server"),
        "tcp_client" => env!("CARGO_BIN_EXE_tcp_client"),
        "udp_server" => env!("CARGO_BIN_EXE_udp_server"),
        "udp_client" => env!("CARGO_BIN_EXE_udp_client"),
        "chat" => env!("CARGO_BIN_EXE_chat"),
        "capture" => env!("CARGO_BIN_EXE_capture"),
        "twohost" => env!("CARGO_BIN_EXE_twohost"),
        "tcp_vs_udp" => env!("CARGO_BIN_EXE_tcp_vs_udp"),
        other => panic!("no socklab binary called {other}"),
    }
}

/// A fresh directory for one test, removed when dropped: a random name
/// (`/tmp/socklab-test-XXXXXX`), made by us with mode 0700, so that no
/// other local user can have prepared it (a symbolic link, a directory of
/// theirs) before a test run as root, nor look into it. Under `sudo cargo
/// test` it is given to the user who ran sudo (still mode 0700): capture
/// gives root back to that user before it makes its events socket, writes
/// a file or starts a program, and must still reach what the test gives
/// it. A program run as any other user (`setpriv --reuid=65534`) cannot
/// enter it: see [`enterable_dir`] and [`dir_owned_by`].
pub fn fresh_dir() -> tempfile::TempDir {
    let dir = new_dir("socklab-test-");
    if let Ok(Some(who)) = socklab::sys::sudo_invoker() {
        set_owner(&dir, who.uid, who.gid);
    }
    dir
}

/// A fresh directory as [`fresh_dir`] that other users may enter but not
/// list or change (mode 0711): for a path given to a program run as
/// another user (`setpriv --reuid=65534`), such as the events socket of a
/// capture that user's program sends to.
pub fn enterable_dir() -> tempfile::TempDir {
    let dir = fresh_dir();
    set_mode(&dir, 0o711);
    dir
}

/// A fresh directory (random name, mode 0700) that belongs to user and
/// group `uid`: for a program run as that user that must make files in
/// it (capture dropping root to `SUDO_UID`, `capture --private` in a user
/// namespace where only its own uid is mapped). Removed when dropped.
pub fn dir_owned_by(uid: u32) -> tempfile::TempDir {
    let dir = new_dir("socklab-user-");
    set_owner(&dir, uid, uid);
    dir
}

/// This test process's scratch directory, made once by [`fresh_dir`] and
/// kept for the life of the process (statics are never dropped: it stays
/// behind in /tmp, with whatever a test left in it, when the process
/// ends). [`events_socket`] and [`temp_path`] are in it.
pub fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(fresh_dir).path()
}

/// A new directory with a random name starting with `prefix` in the
/// temporary directory, made with mode 0700. (tempfile's own default for
/// a directory is 0777 less the umask: 0755, which others may list.)
fn new_dir(prefix: &str) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new()
        .prefix(prefix)
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .unwrap_or_else(|e| panic!("cannot make a temporary directory: {e}"))
}

/// Give `dir`, which we have just made, to `uid`:`gid` (through its
/// descriptor, not its name).
fn set_owner(dir: &tempfile::TempDir, uid: u32, gid: u32) {
    std::fs::File::open(dir.path())
        .and_then(|d| std::os::unix::fs::fchown(&d, Some(uid), Some(gid)))
        .unwrap_or_else(|e| panic!("cannot give {} to {uid}: {e}", dir.path().display()));
}

/// Set the mode of `dir`, which we have just made (through its descriptor).
fn set_mode(dir: &tempfile::TempDir, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::File::open(dir.path())
        .and_then(|d| d.set_permissions(std::fs::Permissions::from_mode(mode)))
        .unwrap_or_else(|e| panic!("cannot set the mode of {}: {e}", dir.path().display()));
}

/// A path for an events socket unique to `tag` in [`scratch_dir`] (tests
/// run in parallel, other helpers' tests too): short, as a socket's path
/// must be (108 bytes at most).
pub fn events_socket(tag: &str) -> PathBuf {
    scratch_dir().join(format!("{tag}.sock"))
}

/// The events socket path nobody listens on: the default of every command.
/// A program run as another user (`setpriv`) cannot even reach it: its
/// events fail with "permission denied" instead of "no such file", which
/// a lab program ignores just the same.
pub fn no_events_path() -> PathBuf {
    events_socket("no-events")
}

/// A port that was free a moment ago for TCP and for UDP, on 127.0.0.1 and
/// on ::1 (bound then released: nothing listens there), so that one port
/// serves a test on either address and with either protocol.
pub fn free_port() -> u16 {
    // Where the machine has no IPv6 loopback, only IPv4 has to be free.
    let v6_free = |bound: std::io::Result<()>| !matches!(bound, Err(e) if e.kind() == std::io::ErrorKind::AddrInUse);
    for _ in 0..200 {
        let Ok(port) = UdpSocket::bind("127.0.0.1:0").and_then(|s| s.local_addr()) else {
            continue;
        };
        let port = port.port();
        let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port));
        if TcpListener::bind(("127.0.0.1", port)).is_ok()
            && v6_free(TcpListener::bind(v6).map(drop))
            && v6_free(UdpSocket::bind(v6).map(drop))
        {
            return port;
        }
    }
    panic!("no free port found on 127.0.0.1 and ::1");
}

/// Path of `name` in `tests/data/` (the recorded captures).
pub fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .display()
        .to_string()
}

/// A path unique to `name` in this test process's [`scratch_dir`].
pub fn temp_path(name: &str) -> PathBuf {
    scratch_dir().join(name)
}

/// Compare `actual` with `tests/golden/NAME`; `UPDATE_GOLDEN=1 cargo test`
/// rewrites the file instead (check the new output first).
#[track_caller]
pub fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}: run UPDATE_GOLDEN=1 cargo test", path.display()));
    assert!(
        expected == actual,
        "{} differs from the output (UPDATE_GOLDEN=1 to accept):\n{actual}",
        path.display()
    );
}

/// Set `key` on `cmd` unless the caller already set or removed it.
fn env_default(cmd: &mut Command, key: &str, value: impl AsRef<OsStr>) {
    if !cmd.get_envs().any(|(k, _)| k == key) {
        cmd.env(key, value);
    }
}

/// A program to run, with the harness's defaults (see the module comment).
pub struct TestCommand {
    name: String,
    cmd: Command,
    stdin_null: bool,
    limit: Duration,
}

impl TestCommand {
    /// The socklab binary `program` (`tcp_server`, `chat`, `capture`...).
    pub fn new(program: &str) -> TestCommand {
        TestCommand::wrap(program, Command::new(bin(program)))
    }

    /// Any command (`setpriv ... capture`, `ip netns exec ... chat`), called
    /// `name` in failure messages; the defaults are added where `cmd` does
    /// not set (or remove) the variable itself.
    pub fn wrap(name: &str, mut cmd: Command) -> TestCommand {
        env_default(&mut cmd, "SOCKLAB_EVENTS", no_events_path());
        env_default(&mut cmd, "NO_COLOR", "1");
        env_default(&mut cmd, "LC_ALL", "C");
        TestCommand {
            name: name.to_string(),
            cmd,
            stdin_null: false,
            limit: WAIT,
        }
    }

    /// Add one argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut TestCommand {
        self.cmd.arg(arg);
        self
    }

    /// Add arguments.
    pub fn args<S: AsRef<OsStr>>(&mut self, args: impl IntoIterator<Item = S>) -> &mut TestCommand {
        self.cmd.args(args);
        self
    }

    /// Set an environment variable (`LC_ALL`, `COLUMNS`...).
    pub fn env(&mut self, key: &str, value: impl AsRef<OsStr>) -> &mut TestCommand {
        self.cmd.env(key, value);
        self
    }

    /// Remove an environment variable (also one of the defaults).
    pub fn env_remove(&mut self, key: &str) -> &mut TestCommand {
        self.cmd.env_remove(key);
        self
    }

    /// Send the program's events to `path` (a test's own live socket).
    pub fn events(&mut self, path: impl AsRef<Path>) -> &mut TestCommand {
        self.cmd.env("SOCKLAB_EVENTS", path.as_ref());
        self
    }

    /// stdin at end of file from the start (a program that reads it ends).
    pub fn stdin_null(&mut self) -> &mut TestCommand {
        self.stdin_null = true;
        self
    }

    /// How long [`TestCommand::run`] and [`Running::wait_exit`] wait.
    pub fn limit(&mut self, limit: Duration) -> &mut TestCommand {
        self.limit = limit;
        self
    }

    /// The command itself, for anything else `std::process::Command` offers.
    pub fn command_mut(&mut self) -> &mut Command {
        &mut self.cmd
    }

    /// Start it in the background.
    pub fn start(&mut self) -> Running {
        let stdin = if self.stdin_null {
            Stdio::null()
        } else {
            Stdio::piped()
        };
        self.cmd
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self
            .cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.name));
        Running {
            name: self.name.clone(),
            limit: self.limit,
            stdout: Collected::start(child.stdout.take().expect("piped stdout")),
            stderr: Collected::start(child.stderr.take().expect("piped stderr")),
            stdin: child.stdin.take(),
            child,
        }
    }

    /// Run it to its end with stdin at end of file.
    pub fn run(&mut self) -> Finished {
        self.stdin_null().start().finish()
    }

    /// Run it to its end with `stdin` as its input.
    pub fn run_with(&mut self, stdin: &[u8]) -> Finished {
        self.stdin_null = false;
        let mut running = self.start();
        running.type_bytes(stdin);
        running.close_stdin();
        running.finish()
    }
}

/// What a finished program printed, and how it exited.
#[derive(Debug)]
pub struct Finished {
    /// The exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// (exit code, -1 for a signal; stdout; stderr), for `let (code, out, err) = ...`.
    pub fn parts(self) -> (i32, String, String) {
        (self.code.unwrap_or(-1), self.stdout, self.stderr)
    }
}

/// The plain `Command` for socklab binary `name` with `args`, to adjust
/// (wrap in `setpriv`, `ulimit`...) before [`Running::start`] or
/// [`TestCommand::wrap`] add the defaults.
pub fn command(name: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin(name));
    cmd.args(args);
    cmd
}

/// Run lab program `name` with `args` to its end, `stdin` as its input.
pub fn run(name: &str, args: &[&str], stdin: &[u8]) -> Finished {
    TestCommand::new(name).args(args).run_with(stdin)
}

/// Run any command to its end with stdin at end of file (the harness's
/// defaults added): (exit code, stdout, stderr).
pub fn run_to_end(cmd: Command) -> (i32, String, String) {
    let name = Path::new(cmd.get_program())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    TestCommand::wrap(&name, cmd).run().parts()
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

    /// Every line so far, each with its newline.
    fn text(&self) -> String {
        let state = self.state.lock().unwrap();
        state.0.iter().map(|l| format!("{l}\n")).collect()
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

    /// The first line containing `text`, waiting up to `timeout`.
    fn wait_line(&self, text: &str, timeout: Duration) -> Option<String> {
        let has = |lines: &[String]| lines.iter().any(|l| l.contains(text));
        if !self.wait_until(&has, timeout) {
            return None;
        }
        self.state
            .lock()
            .unwrap()
            .0
            .iter()
            .find(|l| l.contains(text))
            .cloned()
    }

    fn wait_closed(&self, timeout: Duration) {
        self.wait_until(&|_| false, timeout);
    }
}

/// A program running in the background. Dropping it kills the child by its
/// pid (`Child::kill`: SIGKILL to this one process, nothing else).
pub struct Running {
    pub name: String,
    limit: Duration,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Arc<Collected>,
    stderr: Arc<Collected>,
}

impl Running {
    /// Start any command (see [`TestCommand::wrap`]) with a pipe to its stdin.
    pub fn start(name: &str, cmd: Command) -> Running {
        TestCommand::wrap(name, cmd).start()
    }

    /// Start a server on a free port (`--port 0`) and return it with the
    /// address from its `listening on ADDRESS` line.
    pub fn server(name: &str, args: &[&str]) -> (Running, SocketAddr) {
        let server = TestCommand::new(name)
            .args(["--port", "0"])
            .args(args)
            .stdin_null()
            .start();
        let addr = server.listening_addr();
        (server, addr)
    }

    /// The address in the `listening on ADDRESS` line.
    pub fn listening_addr(&self) -> SocketAddr {
        let line = self.wait_line("listening on ");
        let addr = line.rsplit("listening on ").next().unwrap_or_default();
        addr.trim()
            .parse()
            .unwrap_or_else(|e| self.fail(&format!("cannot parse the address in {line:?}: {e}")))
    }

    /// Wait for a stdout line containing `text` and return it; fails the
    /// test after [`WAIT`].
    pub fn wait_line(&self, text: &str) -> String {
        self.stdout
            .wait_line(text, WAIT)
            .unwrap_or_else(|| self.fail(&format!("never saw a stdout line with `{text}`")))
    }

    /// Wait for a stderr line containing `text` and return it.
    pub fn wait_stderr(&self, text: &str) -> String {
        self.stderr
            .wait_line(text, WAIT)
            .unwrap_or_else(|| self.fail(&format!("never saw `{text}` on stderr")))
    }

    /// Wait until the stdout lines so far satisfy `done`; fails the test
    /// (saying it never saw `what`) after [`WAIT`].
    pub fn wait_until(&self, what: &str, done: impl Fn(&[String]) -> bool) {
        if !self.stdout.wait_until(&done, WAIT) {
            self.fail(&format!("never saw {what}"));
        }
    }

    /// Everything printed on stdout so far.
    pub fn stdout(&self) -> String {
        self.stdout.text()
    }

    /// stdout so far, one entry per line.
    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout.lines()
    }

    /// Everything printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.text()
    }

    /// Type one line (a newline is added).
    pub fn type_line(&mut self, line: &str) {
        self.type_bytes(format!("{line}\n").as_bytes());
    }

    /// Write raw bytes to stdin.
    pub fn type_bytes(&mut self, bytes: &[u8]) {
        let Some(stdin) = self.stdin.as_mut() else {
            self.fail("its stdin is closed (or was never a pipe)")
        };
        if let Err(e) = stdin.write_all(bytes).and_then(|()| stdin.flush()) {
            self.fail(&format!("no longer reads its stdin: {e}"));
        }
    }

    /// Close stdin: end of input, like Ctrl-D.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Take stdin out, to type from another thread; give it back with [`Running::give_stdin`].
    pub fn take_stdin(&mut self) -> ChildStdin {
        self.stdin.take().expect("stdin still open")
    }

    /// Give stdin back after [`Running::take_stdin`].
    pub fn give_stdin(&mut self, stdin: ChildStdin) {
        self.stdin = Some(stdin);
    }

    /// Wait for the program to exit by itself; fails the test after its limit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + self.limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Let the readers collect the last lines.
                self.stdout.wait_closed(WAIT);
                self.stderr.wait_closed(WAIT);
                return status;
            }
            if Instant::now() >= deadline {
                self.fail(&format!("did not exit within {:?}", self.limit));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Wait for the exit and return what it printed.
    pub fn finish(mut self) -> Finished {
        let status = self.wait_exit();
        Finished {
            code: status.code(),
            stdout: self.stdout(),
            stderr: self.stderr(),
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// True while the program has not exited.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Both streams, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "--- {} stdout:\n{}--- {} stderr:\n{}",
            self.name,
            self.stdout(),
            self.name,
            self.stderr()
        )
    }

    fn fail(&self, what: &str) -> ! {
        panic!("{}: {what}\n{}", self.name, self.dump())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
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
