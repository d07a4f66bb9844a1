//! ktrace: the kernel's view of socket calls and TCP states, as JSON lines.
//!
//! A developer's window on `socklab::kernel` (and what the tests and
//! `bench/kernel_overhead.sh` run): every fact the tracer produces, one JSON
//! object a line on stdout, until Ctrl-C / SIGTERM, `--seconds`, or the end
//! of the program given after `--`.
//!
//! ```text
//! sudo target/release/examples/ktrace --port 5000
//! sudo target/release/examples/ktrace -- python3 labs/python/servidor_tcp.py
//! ```
//!
//! The first line is `{"type":"ready",...}` (the instances, the clock, the
//! cleanup helper's pid), then `{"type":"started","pid":N}` for a program
//! run after `--`, and the last `{"type":"report",...}` (what the kernel
//! lost, whether the instances were removed). Without tracefs or root it
//! prints `{"type":"unavailable",...}` and the reason, and exits 0.

use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{json, Value};
use socklab::kernel::{errno_name, Config, Follow, KernelFact, Tracer};

/// Print the kernel's view of socket calls and TCP states as JSON lines.
#[derive(Parser, Debug)]
#[command(name = "ktrace")]
struct Args {
    /// Only sockets with this local or remote port (repeat for more)
    #[arg(long = "port", value_name = "PORT")]
    ports: Vec<u16>,
    /// Follow this process and its children (repeat for more)
    #[arg(long = "pid", value_name = "PID")]
    pids: Vec<u32>,
    /// Stop after this many seconds
    #[arg(long, value_name = "S")]
    seconds: Option<f64>,
    /// After opening, become this user (UID:GID), as a sudo-started capture does
    #[arg(long, value_name = "UID:GID")]
    drop_to: Option<String>,
    /// After the program ends, keep reading this long (ms) for the last states
    #[arg(long, default_value_t = 300, value_name = "MS")]
    linger: u64,
    /// Kernel buffer per CPU and instance, in KB
    #[arg(long, default_value_t = socklab::kernel::DEFAULT_BUFFER_KB, value_name = "KB")]
    buffer_kb: u32,
    /// Print nothing but the ready line and the report (for benchmarks)
    #[arg(long)]
    count_only: bool,
    /// The program to run and follow (with its children)
    #[arg(last = true, value_name = "PROGRAM")]
    program: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let follow = if !args.program.is_empty() {
        Follow::OurChildren
    } else if !args.pids.is_empty() {
        Follow::Pids(args.pids.clone())
    } else {
        Follow::Everyone
    };
    let drop_to = match args.drop_to.as_deref().map(parse_ids) {
        Some(Some(ids)) => Some(ids),
        Some(None) => {
            eprintln!("ktrace: --drop-to wants UID:GID, e.g. 65534:65534");
            return ExitCode::from(2);
        }
        None => None,
    };
    let cfg = Config {
        follow,
        ports: args.ports.clone(),
        buffer_kb: args.buffer_kb,
        ..Config::default()
    };
    let out = std::io::stdout();
    let mut out = BufWriter::new(out.lock());
    let mut tracer = match Tracer::open(&cfg) {
        Ok(t) => t,
        Err(why) => {
            eprintln!("ktrace: note: {why}");
            let _ = writeln!(
                out,
                "{}",
                json!({"type": "unavailable", "why": why.to_string()})
            );
            return ExitCode::SUCCESS;
        }
    };
    // Before the ready line: whoever waits for it may signal us at once.
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        if let Err(e) = ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst)) {
            eprintln!("ktrace: note: Ctrl-C will not stop cleanly: {e}");
        }
    }
    let st = tracer.status().clone();
    if let Some((uid, gid)) = drop_to {
        if let Err(e) = socklab::sys::drop_privileges(uid, gid) {
            eprintln!("ktrace: cannot become {uid}:{gid}: {e}");
            return ExitCode::FAILURE;
        }
    }
    let ready = json!({
        "type": "ready",
        "pid": std::process::id(),
        "instances": st.instances,
        "clock": st.clock,
        "cleaner_pid": st.cleaner_pid,
        "removed_stale": st.removed_stale,
        "disabled": st.disabled.iter().map(|(e, w)| json!({"event": e, "why": w})).collect::<Vec<_>>(),
        "notes": st.notes,
    });
    let _ = writeln!(out, "{ready}");
    let _ = out.flush();

    let mut child = None;
    if let Some((prog, rest)) = args.program.split_first() {
        // The program's output goes to stderr: stdout is the JSON stream.
        let stdout = match std::io::stderr().as_fd().try_clone_to_owned() {
            Ok(fd) => Stdio::from(fd),
            Err(_) => Stdio::null(),
        };
        match Command::new(prog).args(rest).stdout(stdout).spawn() {
            Ok(c) => {
                let _ = writeln!(out, "{}", json!({"type": "started", "pid": c.id()}));
                let _ = out.flush();
                child = Some(c);
            }
            Err(e) => {
                eprintln!("ktrace: cannot run {prog}: {e}");
                tracer.stop();
                return ExitCode::FAILURE;
            }
        }
    }
    let deadline = args
        .seconds
        .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let mut ended_at: Option<Instant> = None;
    let mut status = ExitCode::SUCCESS;
    let mut count = 0u64;
    loop {
        if stop.load(Ordering::SeqCst) || deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        if let Some(c) = child.as_mut() {
            if ended_at.is_none() {
                if let Ok(Some(s)) = c.try_wait() {
                    if !s.success() {
                        status = ExitCode::FAILURE;
                    }
                    ended_at = Some(Instant::now());
                }
            }
        }
        if ended_at.is_some_and(|e| e.elapsed() >= Duration::from_millis(args.linger)) {
            break;
        }
        // Facts are taken the way capture takes them: what is ready, once
        // per tick of the reader. (Waiting on the queue instead would wake
        // this thread for nearly every fact the reader hands over, and
        // charge the tracer with that cost in the benchmarks.)
        std::thread::sleep(socklab::kernel::TICK);
        let mut any = false;
        for f in tracer.facts().try_iter() {
            any = true;
            count += 1;
            if !args.count_only && writeln!(out, "{}", fact_json(&f)).is_err() {
                stop.store(true, Ordering::SeqCst);
                break;
            }
        }
        if any {
            let _ = out.flush();
        }
    }
    if let Some(mut c) = child {
        if ended_at.is_none() {
            let _ = c.kill();
        }
        let _ = c.wait();
    }
    let report = tracer.stop();
    while let Ok(f) = tracer.facts().try_recv() {
        count += 1;
        if !args.count_only {
            let _ = writeln!(out, "{}", fact_json(&f));
        }
    }
    let report = json!({
        "type": "report",
        "facts": count,
        "kernel_lost": report.kernel_lost(),
        "cpus": report.cpus.iter().map(|c| json!({
            "instance": c.instance, "cpu": c.cpu, "overrun": c.overrun, "dropped": c.dropped,
        })).collect::<Vec<_>>(),
        "queue_dropped": report.queue_dropped,
        "lost_pages": report.lost_pages,
        "corrupt_pages": report.corrupt_pages,
        "disabled": report.disabled.iter().map(|(e, w)| json!({"event": e, "why": w})).collect::<Vec<_>>(),
        "not_sockets": report.join.not_sockets,
        "filtered": report.join.filtered,
        "corrected": report.join.corrected,
        "quieted": report.quieted,
        "removed": report.removed,
    });
    let _ = writeln!(out, "{report}");
    let _ = out.flush();
    status
}

fn parse_ids(s: &str) -> Option<(u32, u32)> {
    let (u, g) = s.split_once(':')?;
    Some((u.parse().ok()?, g.parse().ok()?))
}

fn addr(a: Option<SocketAddr>) -> Value {
    a.map_or(Value::Null, |a| Value::String(a.to_string()))
}

fn t_us(t: Duration) -> u64 {
    t.as_micros() as u64
}

/// One fact as one JSON object.
fn fact_json(f: &KernelFact) -> Value {
    match f {
        KernelFact::Call(c) => json!({
            "type": "call",
            "source": "kernel",
            "t_us": t_us(c.t),
            "pid": c.pid,
            "tid": c.tid,
            "prog": c.prog,
            "call": c.call.name(),
            "how": match c.call {
                socklab::kernel::SocketCall::Shutdown(Some(h)) => Value::String(h.as_str().into()),
                _ => Value::Null,
            },
            "syscall": c.syscall,
            "phase": c.phase.as_str(),
            "fd": c.fd,
            "sock": c.sock.map(|s| s.0),
            "proto": c.proto.map(|p| p.as_str()),
            "result": c.result,
            "errno": c.errno,
            "errno_name": c.errno.and_then(errno_name),
            "local": addr(c.local),
            "peer": addr(c.peer),
            "bytes": c.bytes,
        }),
        KernelFact::State(s) => json!({
            "type": "state",
            "t_us": t_us(s.t),
            "sock": s.sock.0,
            "old": s.old.as_str(),
            "new": s.new.as_str(),
            "local": addr(s.local),
            "peer": addr(s.peer),
            "pid": s.pid,
            "prog": s.prog,
        }),
        KernelFact::Retransmit(r) => json!({
            "type": "retransmit",
            "t_us": t_us(r.t),
            "sock": r.sock.map(|s| s.0),
            "state": r.state.map(|s| s.as_str()),
            "synack": r.synack,
            "local": addr(r.local),
            "peer": addr(r.peer),
        }),
        KernelFact::Reset(r) => json!({
            "type": "reset",
            "t_us": t_us(r.t),
            "sent": r.sent,
            "sock": r.sock.map(|s| s.0),
            "state": r.state.map(|s| s.as_str()),
            "local": addr(r.local),
            "peer": addr(r.peer),
        }),
        KernelFact::Lost { cpu, events } => json!({"type": "lost", "cpu": cpu, "events": events}),
        KernelFact::Disabled { event, why } => {
            json!({"type": "disabled", "event": event, "why": why})
        }
        KernelFact::Quieted { tid, pid, prog } => {
            json!({"type": "quieted", "tid": tid, "pid": pid, "prog": prog})
        }
    }
}
