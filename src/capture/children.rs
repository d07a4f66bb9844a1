//! Programs run under capture (`capture -- PROGRAM`, `capture demo`).
//!
//! A script of steps runs on its own thread while the capture loop keeps
//! reading packets. Each program's output is relayed line by line behind a
//! `│ name │` margin: to stderr at once (an interactive program, or
//! `--json`, whose standard output must stay JSON), or, for a script that
//! asks for it ([`Children::relayed`], the demo), as timed
//! [`ProgramLine`]s that the capture prints in their place among the
//! segments and calls, so that both read as one conversation.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};

use crate::t;

/// How long a step waits for a server's `listening on` line or for a
/// program to exit before giving up.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// One step of a script.
#[derive(Clone, Debug)]
pub enum Step {
    /// Start a program and leave it running until it prints a line
    /// containing `ready` (a server's `listening on`).
    Start { argv: Vec<String>, ready: String },
    /// Run a program to its end. An interactive one reads the terminal
    /// (stdin) and may take as long as it likes.
    Run {
        argv: Vec<String>,
        interactive: bool,
    },
    /// Wait for every program started with `Start` to exit (killing it
    /// after [`STEP_TIMEOUT`]).
    WaitAll,
    /// Pause (lets a teardown finish before the next act).
    Sleep(Duration),
}

/// A program that ended: its name and how.
type Exited = (String, ExitStatus);

/// Longest program output line relayed (the rest is cut, with `…`).
const MAX_LINE_CHARS: usize = 1000;
/// Most program lines waiting for the capture to print them; more go to
/// stderr at once (memory stays bounded whatever a program prints).
pub const MAX_WAITING_LINES: usize = 10_000;

/// A line a program printed, when it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramLine {
    /// Realtime clock, since the Unix epoch (as packets and events).
    pub t: Duration,
    pub name: String,
    /// Escaped for the terminal.
    pub text: String,
}

impl ProgramLine {
    /// `  │ tcp_client │ connect(127.0.0.1:5000) ...`, the margin that sets a
    /// program's own output apart from the capture's lines.
    pub fn display(&self) -> String {
        format!("  │ {:<10} │ {}", self.name, self.text)
    }
}

/// Where a program's output goes.
#[derive(Clone)]
enum Relay {
    Stderr,
    Timed(mpsc::SyncSender<ProgramLine>),
}

/// Programs run by the capture.
pub struct Children {
    steps: Vec<Step>,
    done: Arc<AtomicBool>,
    handle: Option<JoinHandle<Result<Vec<Exited>>>>,
    /// The script's programs' lines go to the capture (see [`Children::relayed`]).
    wants_lines: bool,
    lines: Option<mpsc::SyncSender<ProgramLine>>,
}

impl Children {
    /// Run one program to its end (`capture -- PROGRAM ARGS...`).
    pub fn program(argv: Vec<String>) -> Children {
        Children::script(vec![Step::Run {
            argv,
            interactive: true,
        }])
    }

    /// Run a script of steps.
    pub fn script(steps: Vec<Step>) -> Children {
        Children {
            steps,
            done: Arc::new(AtomicBool::new(false)),
            handle: None,
            wants_lines: false,
            lines: None,
        }
    }

    /// Ask for the non-interactive programs' output as timed lines, for the
    /// capture to print among its own (the demo). The capture hands its
    /// channel over with [`Children::send_lines_to`]; without it, they go
    /// to stderr.
    pub fn relayed(mut self) -> Children {
        self.wants_lines = true;
        self
    }

    /// Whether the script asked for its programs' lines.
    pub fn wants_lines(&self) -> bool {
        self.wants_lines
    }

    /// Send the programs' lines here (before [`Children::start`]).
    pub fn send_lines_to(&mut self, tx: mpsc::SyncSender<ProgramLine>) {
        self.lines = Some(tx);
    }

    /// Start the script on its own thread.
    pub fn start(&mut self) -> Result<()> {
        let steps = self.steps.clone();
        // Check the programs exist before the capture starts waiting for them.
        for s in &steps {
            if let Step::Start { argv, .. } | Step::Run { argv, .. } = s {
                resolve_program(&argv[0])?;
            }
        }
        let done = self.done.clone();
        let relay = match &self.lines {
            Some(tx) => Relay::Timed(tx.clone()),
            None => Relay::Stderr,
        };
        self.handle = Some(std::thread::spawn(move || {
            let r = run_script(&steps, &relay);
            done.store(true, Ordering::SeqCst);
            r
        }));
        Ok(())
    }

    /// True once the script has finished.
    pub fn done(&self) -> bool {
        self.done.load(Ordering::SeqCst)
    }

    /// Wait for the script and report any program that failed.
    pub fn finish(&mut self) -> Result<()> {
        let Some(h) = self.handle.take() else {
            return Ok(());
        };
        if !self.done() {
            // Ctrl-C: the programs got it too (same process group).
            return Ok(());
        }
        let statuses = h
            .join()
            .map_err(|_| anyhow!("{}", t!("capture-err-thread")))??;
        for (name, status) in statuses {
            if !status.success() {
                let status = status.to_string();
                eprintln!(
                    "{}",
                    t!("capture-program-exited", name = name, status = status)
                );
            }
        }
        Ok(())
    }
}

/// Find a program: as given if it has a `/`; else beside the running
/// `capture` itself (the real file, `/proc/self/exe`, whatever link or
/// copy of it was started, so `capture -- tcp_client` works from
/// `target/release`), else on `PATH`. The error says where it looked.
pub fn resolve_program(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe().ok();
    let path = std::env::var_os("PATH");
    resolve_in(name, exe.as_deref(), path.as_deref())
}

/// [`resolve_program`] with the executable's path and `PATH` given.
fn resolve_in(
    name: &str,
    exe: Option<&std::path::Path>,
    path: Option<&std::ffi::OsStr>,
) -> Result<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(anyhow!(
                "{}",
                t!("capture-err-no-such-program", name = name)
            ))
        };
    }
    let beside = exe.and_then(|e| e.parent()).map(PathBuf::from);
    let on_path: Vec<PathBuf> = path
        .map(|p| std::env::split_paths(p).collect())
        .unwrap_or_default();
    for dir in beside.iter().chain(&on_path) {
        let p = dir.join(name);
        if p.is_file() {
            return Ok(p);
        }
    }
    let beside = match &beside {
        Some(dir) => t!("capture-looked-beside", dir = dir.display().to_string()),
        None => t!("capture-looked-beside-unknown"),
    };
    let on_path = if on_path.is_empty() {
        t!("capture-looked-path-empty")
    } else {
        let dirs: Vec<String> = on_path.iter().map(|d| d.display().to_string()).collect();
        t!("capture-looked-path", dirs = dirs.join(":"))
    };
    Err(anyhow!(
        "{}",
        t!(
            "capture-err-program-not-found",
            name = name,
            beside = beside,
            on_path = on_path
        )
    ))
}

/// Spawn one program with its output relayed behind a margin. Returns the
/// child and a channel that receives each output line.
fn spawn(
    argv: &[String],
    interactive: bool,
    relay: &Relay,
) -> Result<(Child, mpsc::Receiver<String>)> {
    let path = resolve_program(&argv[0])?;
    let name = short_name(&argv[0]);
    let stdin = if interactive {
        Stdio::inherit()
    } else {
        Stdio::null()
    };
    let mut child = Command::new(&path)
        .args(&argv[1..])
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| {
            t!(
                "capture-err-cannot-start",
                path = path.display().to_string()
            )
        })?;
    let (tx, rx) = mpsc::channel();
    let pipes: Vec<Box<dyn std::io::Read + Send>> = vec![
        Box::new(child.stdout.take().expect("stdout is piped")),
        Box::new(child.stderr.take().expect("stderr is piped")),
    ];
    // An interactive program's output is shown at once: its user is
    // typing to it.
    let relay = if interactive {
        Relay::Stderr
    } else {
        relay.clone()
    };
    for pipe in pipes {
        let tx = tx.clone();
        let name = name.clone();
        let relay = relay.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let shown = ProgramLine {
                    t: crate::events::now(),
                    name: name.clone(),
                    text: crate::escape::escape_controls(&line, MAX_LINE_CHARS),
                };
                match &relay {
                    Relay::Timed(lines) if lines.try_send(shown.clone()).is_ok() => {}
                    // The capture is gone, far behind, or never asked:
                    // stderr, at once.
                    _ => {
                        let _ = writeln!(std::io::stderr().lock(), "{}", shown.display());
                    }
                }
                let _ = tx.send(line);
            }
        });
    }
    Ok((child, rx))
}

fn short_name(arg0: &str) -> String {
    arg0.rsplit('/').next().unwrap_or(arg0).to_string()
}

fn wait_with_timeout(child: &mut Child, name: &str) -> Result<ExitStatus> {
    let deadline = std::time::Instant::now() + STEP_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let status = child.wait()?;
            let timeout = format!("{STEP_TIMEOUT:?}");
            eprintln!(
                "{}",
                t!("capture-program-stopped", name = name, timeout = timeout)
            );
            return Ok(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run_script(steps: &[Step], relay: &Relay) -> Result<Vec<Exited>> {
    let mut running: Vec<(String, Child)> = Vec::new();
    let mut statuses = Vec::new();
    let result = (|| -> Result<()> {
        for step in steps {
            match step {
                Step::Start { argv, ready } => {
                    let (child, rx) = spawn(argv, false, relay)?;
                    let name = short_name(&argv[0]);
                    running.push((name.clone(), child));
                    let deadline = std::time::Instant::now() + STEP_TIMEOUT;
                    loop {
                        let left = deadline.saturating_duration_since(std::time::Instant::now());
                        match rx.recv_timeout(left) {
                            Ok(line) if line.contains(ready.as_str()) => break,
                            Ok(_) => continue,
                            Err(_) => {
                                return Err(anyhow!(
                                    "{}",
                                    t!(
                                        "capture-err-not-ready",
                                        name = name.as_str(),
                                        ready = format!("{ready:?}"),
                                        timeout = format!("{STEP_TIMEOUT:?}")
                                    )
                                ))
                            }
                        }
                    }
                }
                Step::Run { argv, interactive } => {
                    let (mut child, _rx) = spawn(argv, *interactive, relay)?;
                    let name = short_name(&argv[0]);
                    let status = if *interactive {
                        child.wait()?
                    } else {
                        wait_with_timeout(&mut child, &name)?
                    };
                    statuses.push((name, status));
                }
                Step::WaitAll => {
                    for (name, mut child) in running.drain(..) {
                        let status = wait_with_timeout(&mut child, &name)?;
                        statuses.push((name, status));
                    }
                }
                Step::Sleep(d) => std::thread::sleep(*d),
            }
        }
        Ok(())
    })();
    // Never leave a server behind, whatever happened.
    for (name, mut child) in running {
        let _ = child.kill();
        if let Ok(status) = child.wait() {
            statuses.push((name, status));
        }
    }
    result.map(|()| statuses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    /// A directory with an empty file `name` in it, removed when dropped.
    fn dir_with(name: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), b"").unwrap();
        dir
    }

    #[test]
    fn a_program_is_found_beside_the_real_capture_then_on_path() {
        let beside = dir_with("tcp_server");
        let on_path = dir_with("tcp_server");
        let exe = beside.path().join("capture");
        let path = OsString::from(on_path.path());
        // Beside capture first, whatever PATH says.
        assert_eq!(
            resolve_in("tcp_server", Some(&exe), Some(&path)).unwrap(),
            beside.path().join("tcp_server")
        );
        // A capture copied elsewhere (setcap on another file system):
        // PATH next.
        let elsewhere = tempfile::tempdir().unwrap();
        let copy = elsewhere.path().join("capture");
        assert_eq!(
            resolve_in("tcp_server", Some(&copy), Some(&path)).unwrap(),
            on_path.path().join("tcp_server")
        );
    }

    #[test]
    fn not_found_says_where_it_looked() {
        let elsewhere = tempfile::tempdir().unwrap();
        let copy = elsewhere.path().join("capture");
        let path = OsString::from("/nonexistent-a:/nonexistent-b");
        let err = resolve_in("tcp_server", Some(&copy), Some(&path))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&elsewhere.path().display().to_string()),
            "{err}"
        );
        assert!(err.contains("/nonexistent-a:/nonexistent-b"), "{err}");
        assert!(err.contains("cargo build --release"), "{err}");
        let err = resolve_in("./no-such-program", None, None).unwrap_err();
        assert!(err.to_string().contains("no such file"));
    }
}
