//! `capture demo`: the whole lesson in one command.
//!
//! Starts `tcp_server` and `tcp_client` on a free loopback port, exchanges
//! two lines, closes; then `udp_server` and `udp_client` for contrast. All of
//! it is captured live and explained: the segments, the socket calls that
//! caused them, the ladder of each conversation and the summary.
//!
//! `--from-file` replays a recording shipped inside the binary (made by this
//! very demo with `-w`), so a student without capture privileges sees the
//! same thing.

use std::net::{TcpListener, UdpSocket};
use std::time::Duration;

use anyhow::{Context, Result};

use super::children::{Children, Step};
use super::run::{self, events_path, Options};
use super::CaptureError;

/// The recording replayed by `--from-file` (packets, then socket calls).
const RECORDED_PCAP: &[u8] = include_bytes!("../../tests/data/demo.pcap");
const RECORDED_EVENTS: &[u8] = include_bytes!("../../tests/data/demo.pcap.events");

/// What to read in the output (the live demo).
pub const HOW_TO_READ: &str = "How to read it, in time order:
  │ tcp_client │ ...        what the program itself prints (its own narration)
  tcp_client[pid]: ...      the same socket call, as the capture received it, and what it caused (-> SYN)
  #1 client ──SYN──▶ server a segment on the wire, client on the left, server on the right;
                            the indented line under it says what it does and each side's TCP state
Then each conversation as a ladder diagram, and a table of the connections.";

/// What to read in the replayed demo (no program runs: no program lines).
pub const HOW_TO_READ_RECORDED: &str = "How to read it, in time order:
  tcp_client[pid]: ...      a socket call a program made, and what it caused (-> SYN)
  #1 client ──SYN──▶ server a segment on the wire, client on the left, server on the right;
                            the indented line under it says what it does and each side's TCP state
Then each conversation as a ladder diagram, and a table of the connections.";

/// A free port on 127.0.0.1 for TCP and one for UDP, found by letting the
/// kernel pick and then releasing them.
fn free_ports() -> Result<(u16, u16)> {
    let t = TcpListener::bind("127.0.0.1:0").context("cannot find a free TCP port")?;
    let u = UdpSocket::bind("127.0.0.1:0").context("cannot find a free UDP port")?;
    Ok((t.local_addr()?.port(), u.local_addr()?.port()))
}

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// The script: a TCP conversation, then a UDP one.
pub fn script(tcp: u16, udp: u16) -> Vec<Step> {
    let (tcp, udp) = (tcp.to_string(), udp.to_string());
    vec![
        Step::Start {
            argv: argv(&[
                "tcp_server",
                "--port",
                &tcp,
                "--once",
                "--quiet",
                "--color",
                "never",
            ]),
            ready: "listening on".into(),
        },
        Step::Run {
            argv: argv(&[
                "tcp_client",
                "--port",
                &tcp,
                "--color",
                "never",
                "--message",
                "hello",
                "--message",
                "how are you?",
            ]),
            interactive: false,
        },
        Step::WaitAll,
        // Let the teardown's last ACK go by before the UDP act.
        Step::Sleep(Duration::from_millis(300)),
        Step::Start {
            argv: argv(&["udp_server", "--port", &udp, "--quiet", "--color", "never"]),
            ready: "listening on".into(),
        },
        Step::Run {
            argv: argv(&[
                "udp_client",
                "--port",
                &udp,
                "--color",
                "never",
                "--message",
                "hello over UDP",
                "--message",
                "off",
            ]),
            interactive: false,
        },
        Step::WaitAll,
    ]
}

/// Write `bytes` to a file that must not exist yet (`O_CREAT|O_EXCL`, which
/// never follows a symbolic link), mode 0600.
fn write_new(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Run the demo live (or from the recording).
pub fn run(mut opts: Options, from_file: bool) -> Result<()> {
    opts.ladder_at_end = true;
    opts.grace = Duration::from_millis(300);
    if from_file {
        // The recording needs no privilege: under sudo, become the user
        // before anything is written, so that the files are theirs.
        if let Some(uid) = super::drop_sudo_privileges()
            .context("could not drop root privileges before replaying the recording")?
        {
            eprintln!("capture: now running as user {uid} (replaying a recording needs no root)");
        }
        // A fresh private directory (random name, created exclusively with
        // mode 0700): no other user can have prepared it, filled it with
        // symbolic links, or reach into it. Removed when `dir` is dropped.
        let dir = tempfile::Builder::new()
            .prefix("socklab-demo-")
            .tempdir()
            .context("cannot create a private temporary directory for the recording")?;
        let pcap = dir.path().join("demo.pcap");
        write_new(&pcap, RECORDED_PCAP)?;
        write_new(&events_path(&pcap), RECORDED_EVENTS)?;
        opts.read = Some(pcap);
        if !opts.json {
            println!("socklab demo (replayed from a recording made with `sudo capture demo -w demo.pcap`)");
            println!("{HOW_TO_READ_RECORDED}\n");
        }
        let r = run::run(&opts, None);
        drop(dir);
        return r.map(|_| ());
    }
    let (tcp, udp) = free_ports()?;
    opts.filter = Some(format!("tcp port {tcp} or udp port {udp}"));
    if !opts.json {
        println!(
            "socklab demo: tcp_client sends two lines to tcp_server (127.0.0.1:{tcp}) and closes; \
             then udp_client sends to udp_server (127.0.0.1:{udp})."
        );
        println!("{HOW_TO_READ}\n");
    }
    let children = Children::script(script(tcp, udp)).relayed();
    match run::run(&opts, Some(children)) {
        Ok(_) => Ok(()),
        Err(e) => match e.downcast::<CaptureError>() {
            Ok(CaptureError::Permission { iface, exe }) => Err(anyhow::anyhow!(
                "{}; or replay the recorded demo without privileges: capture demo --from-file",
                CaptureError::Permission { iface, exe }
            )),
            Ok(other) => Err(other.into()),
            Err(e) => Err(e),
        },
    }
}
