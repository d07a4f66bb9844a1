//! Running a checked block the way a student would type it.
//!
//! Each block runs in a directory prepared for it: `target/release/NAME`
//! are links to the binaries this test was built with, and `tests/` and
//! `images/` are links to the repository's, so a lab's commands run exactly
//! as written. Every `$ ` line runs with bash, standard error merged into
//! standard output, standard input empty, in a process group of its own so
//! that a signal reaches the whole pipeline (as Ctrl-C does in a terminal).
//! `sudo` is a shell function that runs its arguments (the test runs root
//! blocks only as root, and real sudo would drop `SOCKLAB_EVENTS`).
//!
//! Who runs it: [`Runner::AsIs`] runs the blocks as the test itself runs
//! (as root in CI: the `sudo` lines); [`Runner::Ordinary`] runs them as an
//! ordinary user, `nobody` through `setpriv` when the test is root, with
//! each `sudo` line replaced by its form without sudo. In a block whose
//! form without sudo uses `capture --private`, every other line runs in
//! that private network, as in a terminal opened with
//! `target/release/capture shell` (which is what the lab tells a student
//! to do). Each block gets a private network of its own
//! (`SOCKLAB_PRIVATE_NET`).
//!
//! Ports: every number 5000 to 5009 in a block (`--port 5000`,
//! `127.0.0.1:5000`) is replaced by a free port chosen for the block, the
//! same one everywhere in it, so blocks never collide with each other or
//! with other tests running at the same time. Each block also gets its own
//! `SOCKLAB_EVENTS` socket.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use socklab::userns::PRIVATE_NAME_VAR;

use super::{find_in_order, Action, Block, Step};

/// How long a job started with `&` may take to print its expected lines,
/// and how long `wait %N` / `kill %N` wait for it to exit.
const JOB_WAIT: Duration = Duration::from_secs(20);
/// At the end of a block: how long a job gets after Ctrl-C (SIGINT) before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(3);
/// Programs whose port must be written out in a checked block.
const LAB_PROGRAMS: [&str; 5] = [
    "tcp_server",
    "tcp_client",
    "udp_server",
    "udp_client",
    "chat",
];
/// The first and last lab port replaced by a free one.
const LAB_PORTS: std::ops::RangeInclusive<u16> = 5000..=5009;

/// The uid and gid of `nobody`, who runs the blocks of an ordinary user
/// when the test runs as root.
const NOBODY: u32 = 65534;

/// Who runs the blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runner {
    /// The user running the test, with the `sudo` lines.
    AsIs,
    /// An ordinary user, with the forms without sudo.
    Ordinary,
}

/// Set up once per test: the binaries and the repository's data.
pub struct Course {
    /// Binary name → path of the binary this test was built with.
    pub bins: BTreeMap<&'static str, PathBuf>,
    /// Repository root.
    pub repo: PathBuf,
    /// Where blocks run: a fresh directory per lab file below it (a 0755
    /// directory made with an unpredictable name, removed when dropped).
    scratch: tempfile::TempDir,
    /// Who runs the blocks.
    pub runner: Runner,
    /// Run the commands as `nobody` through setpriv (an ordinary user's
    /// run while the test is root).
    as_nobody: bool,
    /// Ports already handed out (never hand one out twice).
    used_ports: Mutex<BTreeSet<u16>>,
    /// One letter naming this test's namespaces (`k` + tag + block number).
    tag: char,
    /// `LC_ALL` for every block: the language the lab is written in
    /// (`C.UTF-8` for English, `pt_BR.UTF-8` for the Portuguese labs).
    locale: &'static str,
}

/// Why a block failed: where, and what the student would have seen.
#[derive(Debug)]
pub struct Failure {
    pub at: String,
    pub message: String,
}

/// A background job of a block.
struct Job {
    command: String,
    child: Child,
    output: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
}

impl Job {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Wait for the job to exit; `None` after `limit`.
    fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                if let Some(r) = self.reader.take() {
                    // The pipe closes when the last process of the group exits.
                    let _ = r.join();
                }
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Send `signal` to the job's process group (its pid is the group id).
    fn signal(&self, signal: &str) {
        let _ = Command::new("kill")
            .arg("-s")
            .arg(signal)
            .arg("--")
            .arg(format!("-{}", self.child.id()))
            .stderr(Stdio::null())
            .status();
    }

    /// Ctrl-C, then SIGKILL if it does not stop in time.
    fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            self.signal("KILL"); // anything it left behind in its group
            self.wait(STOP_GRACE);
            return;
        }
        self.signal("INT");
        if self.wait(STOP_GRACE).is_none() {
            self.signal("KILL");
            self.wait(STOP_GRACE);
        }
    }
}

impl Course {
    /// Prepare a scratch directory with links to `bins` and the repository
    /// data; blocks run with `LC_ALL=locale`.
    pub fn new(
        name: &str,
        locale: &'static str,
        bins: BTreeMap<&'static str, PathBuf>,
        runner: Runner,
    ) -> Course {
        use std::os::unix::fs::PermissionsExt;
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        // Made exclusively under a random name, then opened to everyone for
        // reading only: `nobody` reaches the links in it, and nobody else
        // can have prepared any of it.
        let scratch = tempfile::Builder::new()
            .prefix(&format!("socklab-course-{name}-"))
            .tempdir()
            .expect("create the scratch directory");
        std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o755))
            .expect("open the scratch directory for reading");
        let as_nobody = runner == Runner::Ordinary && socklab::sys::is_root();
        let first = name.chars().next().unwrap_or('x');
        Course {
            bins,
            repo,
            scratch,
            runner,
            as_nobody,
            used_ports: Mutex::new(BTreeSet::new()),
            locale,
            // Each run its own namespace names (`twohost --prefix`).
            tag: match runner {
                Runner::AsIs => first,
                Runner::Ordinary => first.to_ascii_uppercase(),
            },
        }
    }

    /// The scratch directory the blocks run in.
    pub fn scratch(&self) -> &Path {
        self.scratch.path()
    }

    /// Can this run's user make a private network? `Err` holds what
    /// `capture shell` says when the system forbids it.
    pub fn private_network_allowed(&self) -> Result<(), String> {
        let capture = self.bins.get("capture").expect("capture is built");
        let mut argv = self.user_argv();
        argv.extend([capture.display().to_string(), "shell".into(), "true".into()]);
        let out = Command::new(&argv[0])
            .args(&argv[1..])
            .current_dir(self.scratch())
            .env(
                PRIVATE_NAME_VAR,
                format!("course-probe-{}", std::process::id()),
            )
            .env("LC_ALL", self.locale)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", argv[0]))?;
        if out.status.success() {
            return Ok(());
        }
        let said = String::from_utf8_lossy(&out.stderr);
        Err(said
            .lines()
            .rfind(|l| !l.trim().is_empty())
            .unwrap_or("capture shell failed and said nothing")
            .to_string())
    }

    /// The words that start a command as this run's user.
    fn user_argv(&self) -> Vec<String> {
        if self.as_nobody {
            let id = NOBODY.to_string();
            ["setpriv", "--reuid", &id, "--regid", &id, "--clear-groups"]
                .map(String::from)
                .to_vec()
        } else {
            Vec::new()
        }
    }

    /// The directory a lab file's blocks run in (made on first use).
    fn workdir(&self, lab: &Path) -> PathBuf {
        let stem = lab
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let dir = self.scratch().join(stem);
        if !dir.exists() {
            let release = dir.join("target/release");
            std::fs::create_dir_all(&release).expect("create target/release");
            if self.as_nobody {
                // The lab's files (lab3.pcap, sweep.svg) are written here.
                std::os::unix::fs::chown(&dir, Some(NOBODY), Some(NOBODY))
                    .expect("give the lab's directory to nobody");
            }
            for (name, path) in &self.bins {
                std::os::unix::fs::symlink(path, release.join(name)).expect("link a binary");
            }
            for data in ["tests", "images", "src", "labs"] {
                std::os::unix::fs::symlink(self.repo.join(data), dir.join(data))
                    .expect("link repository data");
            }
        }
        dir
    }

    /// A port free for TCP and UDP on 127.0.0.1 and ::1, never handed out before.
    fn free_port(&self) -> u16 {
        let mut used = self.used_ports.lock().unwrap();
        for _ in 0..200 {
            let port = crate::harness::free_port();
            if used.insert(port) {
                return port;
            }
        }
        panic!("no free port found");
    }

    /// Run one block; every job it started is stopped before this returns.
    pub fn run_block(&self, block: &Block, block_no: usize) -> Result<(), Failure> {
        let dir = self.workdir(&block.file);
        // The lines this run's user types.
        let steps: Vec<Step> = block
            .steps
            .iter()
            .map(|s| match (&s.rootless, self.runner) {
                (Some(twin), Runner::Ordinary) => Step {
                    action: twin.clone(),
                    rootless: None,
                    ..s.clone()
                },
                _ => s.clone(),
            })
            .collect();
        let uses_netns = steps.iter().any(|s| {
            let t = s.action.text();
            t.contains("target/release/twohost") || t.contains("netns exec")
        });
        let private = self.runner == Runner::Ordinary
            && steps
                .iter()
                .any(|s| s.action.text().contains(PRIVATE_CAPTURE));
        let rewrite = Rewrite {
            ports: self.port_map(block),
            netns_prefix: uses_netns.then(|| format!("k{}{:02}", self.tag, block_no % 100)),
        };
        let shell = Shell {
            dir: &dir,
            events: dir.join(format!("events-{block_no}.sock")),
            private_net: format!("course-{}-{}{block_no}", std::process::id(), self.tag),
            in_private_net: private,
        };
        let mut jobs: Vec<Job> = Vec::new();
        let result = (|| {
            for step in &steps {
                self.run_step(block, step, &rewrite, &shell, &mut jobs)?;
            }
            Ok(())
        })();
        for job in jobs.iter_mut().rev() {
            job.stop();
        }
        if let (Some(prefix), Some(twohost)) = (&rewrite.netns_prefix, self.bins.get("twohost")) {
            // Whatever happened, leave no namespace behind.
            let mut argv = self.user_argv();
            argv.push(twohost.display().to_string());
            let _ = Command::new(&argv[0])
                .args(&argv[1..])
                .args(["--prefix", prefix, "down"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        result
    }

    /// Each lab port used in the block → a free port.
    fn port_map(&self, block: &Block) -> BTreeMap<u16, u16> {
        let mut text = String::new();
        for step in &block.steps {
            text.push_str(&step.action.text());
            text.push('\n');
            for e in &step.expect {
                text.push_str(e);
                text.push('\n');
            }
        }
        let mut map = BTreeMap::new();
        for port in LAB_PORTS {
            if has_port(&text, port) {
                map.insert(port, self.free_port());
            }
        }
        map
    }

    fn run_step(
        &self,
        block: &Block,
        step: &Step,
        rewrite: &Rewrite,
        shell: &Shell,
        jobs: &mut Vec<Job>,
    ) -> Result<(), Failure> {
        let at = format!("{}:{}", block.file.display(), step.line);
        let fail = |message: String| Failure {
            at: at.clone(),
            message,
        };
        let ported = |s: &str| rewrite.command(s);
        let twohost_step = step.action.text().contains("target/release/twohost");
        let expect: Vec<String> = step
            .expect
            .iter()
            .map(|e| rewrite.expected(e, twohost_step))
            .collect();
        let limit = Duration::from_secs(block.timeout_secs);
        if let Action::Run(command) | Action::Start(command) = &step.action {
            let lab_program = LAB_PROGRAMS
                .iter()
                .any(|p| command.contains(&format!("target/release/{p} ")));
            if lab_program && !command.contains("--port") {
                return Err(fail(format!(
                    "`{command}`: give the port explicitly (`--port 5000`) so the test can move it to a free one"
                )));
            }
        }
        match &step.action {
            Action::Run(command) => {
                let command = ported(command);
                let mut child = self.spawn(&command, shell)?;
                let output = Arc::new(Mutex::new(Vec::new()));
                let reader = read_all(&mut child, &output);
                let mut job = Job {
                    command: command.clone(),
                    child,
                    output,
                    reader: Some(reader),
                };
                let status = match job.wait(limit) {
                    Some(status) => status,
                    None => {
                        job.stop();
                        return Err(fail(format!(
                            "`{command}` did not finish within {limit:?}; its output:\n{}",
                            job.text()
                        )));
                    }
                };
                let text = job.text();
                if !status.success() {
                    return Err(fail(format!(
                        "`{command}` failed ({status}); its output:\n{text}"
                    )));
                }
                check(&command, &expect, &text).map_err(fail)
            }
            Action::Start(command) => {
                let command = ported(command);
                let mut child = self.spawn(&command, shell)?;
                let output = Arc::new(Mutex::new(Vec::new()));
                let reader = read_all(&mut child, &output);
                jobs.push(Job {
                    command: command.clone(),
                    child,
                    output,
                    reader: Some(reader),
                });
                let job = jobs.last_mut().expect("just pushed");
                let deadline = Instant::now() + JOB_WAIT;
                loop {
                    let text = job.text();
                    if find_in_order(&expect, &text).is_ok() {
                        break;
                    }
                    let exited = matches!(job.child.try_wait(), Ok(Some(_)));
                    if exited || Instant::now() >= deadline {
                        job.wait(STOP_GRACE);
                        return Err(fail(
                            check(&command, &expect, &job.text())
                                .err()
                                .unwrap_or_else(|| {
                                    format!(
                                        "`{command}` stopped early; its output:\n{}",
                                        job.text()
                                    )
                                }),
                        ));
                    }
                    thread::sleep(Duration::from_millis(20));
                }
                // A live capture says `listening on` just before it opens the
                // socket for the lab programs' calls: wait for that socket too.
                if command.contains("target/release/capture") && !command.contains(" -r ") {
                    let deadline = Instant::now() + Duration::from_secs(3);
                    while !shell.events.exists() && Instant::now() < deadline {
                        thread::sleep(Duration::from_millis(10));
                    }
                }
                Ok(())
            }
            Action::Wait(n) | Action::Kill { job: n, .. } => {
                let Some(job) = jobs.get_mut(n - 1) else {
                    return Err(fail(format!("there is no job %{n} in this block")));
                };
                let waiting = match &step.action {
                    Action::Kill { signal, .. } => {
                        job.signal(signal);
                        if signal == "STOP" || signal == "CONT" {
                            if !expect.is_empty() {
                                return Err(fail("`kill -STOP`/`-CONT` expects no output".into()));
                            }
                            // Let the signal land before the next command.
                            thread::sleep(Duration::from_millis(200));
                            return Ok(());
                        }
                        false
                    }
                    _ => true,
                };
                let command = job.command.clone();
                match job.wait(JOB_WAIT) {
                    None => {
                        job.stop();
                        Err(fail(format!(
                            "job %{n} `{command}` did not exit within {JOB_WAIT:?}; its output:\n{}",
                            job.text()
                        )))
                    }
                    Some(status) if waiting && !status.success() => Err(fail(format!(
                        "job %{n} `{command}` failed ({status}); its output:\n{}",
                        job.text()
                    ))),
                    Some(_) => check(&command, &expect, &job.text()).map_err(fail),
                }
            }
        }
    }
}

/// How a block's text is changed before it runs: lab ports to free ports,
/// and the two hosts `alice` and `bob` to a pair of namespaces of its own
/// (`twohost --prefix`), so that it can run beside other tests.
struct Rewrite {
    ports: BTreeMap<u16, u16>,
    netns_prefix: Option<String>,
}

impl Rewrite {
    /// A `$ ` line as it runs.
    fn command(&self, text: &str) -> String {
        let mut t = self.ported(text);
        if let Some(p) = &self.netns_prefix {
            t = t.replace(
                "target/release/twohost",
                &format!("target/release/twohost --prefix {p}"),
            );
            for host in ["alice", "bob"] {
                t = t.replace(
                    &format!("netns exec {host}"),
                    &format!("netns exec {p}{host}"),
                );
            }
            t = self.veths(&t);
        }
        t
    }

    /// An expected line as the program prints it (hosts keep their names
    /// whatever the prefix: only their namespaces carry it).
    fn expected(&self, text: &str, _twohost_step: bool) -> String {
        self.ported(text)
    }

    fn ported(&self, text: &str) -> String {
        self.ports.iter().fold(text.to_string(), |t, (from, to)| {
            replace_port(&t, *from, *to)
        })
    }

    /// Interface names: the same in every network (each veth is made
    /// inside its own namespace), so nothing to rewrite.
    fn veths(&self, text: &str) -> String {
        text.to_string()
    }
}

/// A `capture --private` line: the private network's own capture.
const PRIVATE_CAPTURE: &str = "target/release/capture --private";

/// Where and how a block's commands run.
struct Shell<'a> {
    dir: &'a Path,
    /// The block's `SOCKLAB_EVENTS` socket.
    events: PathBuf,
    /// The block's `SOCKLAB_PRIVATE_NET`.
    private_net: String,
    /// Run the lines other than `capture --private` in the private network
    /// (`capture shell`), as the student's other terminals do.
    in_private_net: bool,
}

impl Course {
    /// Start `command` with bash in the block's directory, as this run's
    /// user, in a process group of its own.
    fn spawn(&self, command: &str, shell: &Shell) -> Result<Child, Failure> {
        let script = format!("sudo() {{ \"$@\"; }}\nexec 2>&1\n{command}\n");
        let mut argv = self.user_argv();
        if shell.in_private_net && !command.contains(PRIVATE_CAPTURE) {
            let capture = self.bins.get("capture").expect("capture is built");
            argv.extend([capture.display().to_string(), "shell".into()]);
        }
        argv.extend(["bash".into(), "-c".into(), script]);
        Command::new(&argv[0])
            .args(&argv[1..])
            .current_dir(shell.dir)
            .env("SOCKLAB_EVENTS", &shell.events)
            .env(PRIVATE_NAME_VAR, &shell.private_net)
            .env("COLUMNS", "100")
            .env("NO_COLOR", "1")
            .env("LC_ALL", self.locale)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| Failure {
                at: shell.dir.display().to_string(),
                message: format!("cannot start bash for `{command}`: {e}"),
            })
    }
}

/// Collect the child's output in a background thread.
fn read_all(child: &mut Child, into: &Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    let mut pipe = child.stdout.take().expect("stdout is piped");
    let into = Arc::clone(into);
    thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    })
}

/// The expected lines, in order, in `output`; or a message showing both.
fn check(command: &str, expect: &[String], output: &str) -> Result<(), String> {
    find_in_order(expect, output).map_err(|missing| {
        let shown: Vec<String> = expect
            .iter()
            .enumerate()
            .map(|(i, e)| format!("{} {e}", if i == missing { ">>" } else { "  " }))
            .collect();
        format!(
            "`{command}`: expected line {} not found (in order).\n--- expected ---\n{}\n--- output ---\n{output}",
            missing + 1,
            shown.join("\n")
        )
    })
}

/// Does `port` occur in `text` as a whole number?
pub fn has_port(text: &str, port: u16) -> bool {
    replace_port(text, port, port.wrapping_add(1)) != text
}

/// `text` with every whole-number occurrence of `from` (not part of a
/// longer number, nor after a `.` as in `1.5000`) replaced by `to`.
pub fn replace_port(text: &str, from: u16, to: u16) -> String {
    let needle = from.to_string();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with(&needle) {
            let before = i.checked_sub(1).map(|b| bytes[b]);
            let after = bytes.get(i + needle.len()).copied();
            let digit_or_dot = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_digit() || c == b'.');
            if !digit_or_dot(before) && !after.is_some_and(|c| c.is_ascii_digit()) {
                out.push_str(&to.to_string());
                i += needle.len();
                continue;
            }
        }
        let c = text[i..].chars().next().expect("inside the text");
        out.push(c);
        i += c.len_utf8();
    }
    out
}
