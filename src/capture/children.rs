//! Programs run under capture (`capture -- PROGRAM`, `capture demo`).
//!
//! A script of steps runs on its own thread while the capture loop keeps
//! reading packets. Each program's output is relayed to stderr line by line
//! behind a `│ name │` margin, so it stays visible and apart from the
//! capture's own output on stdout.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};

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

/// Programs run by the capture.
pub struct Children {
    steps: Vec<Step>,
    done: Arc<AtomicBool>,
    handle: Option<JoinHandle<Result<Vec<Exited>>>>,
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
        }
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
        self.handle = Some(std::thread::spawn(move || {
            let r = run_script(&steps);
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
            .map_err(|_| anyhow!("the thread running the programs panicked"))??;
        for (name, status) in statuses {
            if !status.success() {
                eprintln!("capture: note: {name} exited with {status}");
            }
        }
        Ok(())
    }
}

/// Find a program: as given if it has a `/`, else on PATH, else beside
/// `capture` itself (so `capture -- tcp_client` works from `target/debug`).
pub fn resolve_program(name: &str) -> Result<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return if p.exists() {
            Ok(p)
        } else {
            Err(anyhow!("cannot run {name}: no such file"))
        };
    }
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    Err(anyhow!(
        "cannot run {name}: not found beside capture nor on PATH; build it with `cargo build --release` or give its path"
    ))
}

/// Spawn one program with its output relayed behind a margin. Returns the
/// child and a channel that receives each output line.
fn spawn(argv: &[String], interactive: bool) -> Result<(Child, mpsc::Receiver<String>)> {
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
        .with_context(|| format!("cannot start {}", path.display()))?;
    let (tx, rx) = mpsc::channel();
    let pipes: Vec<Box<dyn std::io::Read + Send>> = vec![
        Box::new(child.stdout.take().expect("stdout is piped")),
        Box::new(child.stderr.take().expect("stderr is piped")),
    ];
    for pipe in pipes {
        let tx = tx.clone();
        let name = name.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let _ = writeln!(std::io::stderr().lock(), "  │ {name:<10} │ {line}");
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
            eprintln!("capture: note: {name} did not finish in {STEP_TIMEOUT:?}; stopped it");
            return Ok(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run_script(steps: &[Step]) -> Result<Vec<Exited>> {
    let mut running: Vec<(String, Child)> = Vec::new();
    let mut statuses = Vec::new();
    let result = (|| -> Result<()> {
        for step in steps {
            match step {
                Step::Start { argv, ready } => {
                    let (child, rx) = spawn(argv, false)?;
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
                                    "{name} did not print {ready:?} within {STEP_TIMEOUT:?}"
                                ))
                            }
                        }
                    }
                }
                Step::Run { argv, interactive } => {
                    let (mut child, _rx) = spawn(argv, *interactive)?;
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
