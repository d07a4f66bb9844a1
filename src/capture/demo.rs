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
use crate::t;

/// The recording replayed by `--from-file` (packets, then socket calls).
const RECORDED_PCAP: &[u8] = include_bytes!("../../tests/data/demo.pcap");
const RECORDED_EVENTS: &[u8] = include_bytes!("../../tests/data/demo.pcap.events");

/// What to read in the output (the live demo).
pub fn how_to_read() -> String {
    t!("capture-demo-how-to-read")
}

/// What to read in the replayed demo (no program runs: no program lines).
pub fn how_to_read_recorded() -> String {
    t!("capture-demo-how-to-read-recorded")
}

/// A free port on 127.0.0.1 for TCP and one for UDP, found by letting the
/// kernel pick and then releasing them.
fn free_ports() -> Result<(u16, u16)> {
    let tcp = TcpListener::bind("127.0.0.1:0").with_context(|| t!("capture-demo-no-tcp-port"))?;
    let udp = UdpSocket::bind("127.0.0.1:0").with_context(|| t!("capture-demo-no-udp-port"))?;
    Ok((tcp.local_addr()?.port(), udp.local_addr()?.port()))
}

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// The script: a TCP conversation, then a UDP one. Each program speaks the
/// language capture speaks (`--lang`, even when only capture was given
/// it); a server is ready once it prints its address, whatever the
/// language of the words around it.
pub fn script(tcp: u16, udp: u16) -> Vec<Step> {
    let lang = crate::i18n::lang().tag();
    let with_lang = |mut argv: Vec<String>| {
        argv.extend(["--lang".to_string(), lang.to_string()]);
        argv
    };
    let (tcp_ready, udp_ready) = (format!("127.0.0.1:{tcp}"), format!("127.0.0.1:{udp}"));
    let (tcp, udp) = (tcp.to_string(), udp.to_string());
    let steps = vec![
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
            ready: tcp_ready,
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
            ready: udp_ready,
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
    ];
    steps
        .into_iter()
        .map(|step| match step {
            Step::Start { argv, ready } => Step::Start {
                argv: with_lang(argv),
                ready,
            },
            Step::Run { argv, interactive } => Step::Run {
                argv: with_lang(argv),
                interactive,
            },
            other => other,
        })
        .collect()
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
        .with_context(|| {
            t!(
                "capture-demo-cannot-write",
                path = path.display().to_string()
            )
        })
}

/// Run the demo live (or from the recording).
pub fn run(mut opts: Options, from_file: bool) -> Result<()> {
    opts.ladder_at_end = true;
    opts.grace = Duration::from_millis(300);
    if from_file {
        // The recording needs no privilege: under sudo, become the user
        // before anything is written, so that the files are theirs.
        if let Some(uid) =
            super::drop_sudo_privileges().with_context(|| t!("capture-demo-cannot-drop"))?
        {
            eprintln!("{}", t!("capture-demo-as-user", uid = uid));
        }
        // A fresh private directory (random name, created exclusively with
        // mode 0700): no other user can have prepared it, filled it with
        // symbolic links, or reach into it. Removed when `dir` is dropped.
        let dir = tempfile::Builder::new()
            .prefix("socklab-demo-")
            .tempdir()
            .with_context(|| t!("capture-demo-no-tempdir"))?;
        let pcap = dir.path().join("demo.pcap");
        write_new(&pcap, RECORDED_PCAP)?;
        write_new(&events_path(&pcap), RECORDED_EVENTS)?;
        opts.read = Some(pcap);
        if !opts.json {
            println!("{}", t!("capture-demo-replayed"));
            println!("{}\n", how_to_read_recorded());
        }
        let r = run::run(&opts, None);
        drop(dir);
        return r.map(|_| ());
    }
    let (tcp, udp) = free_ports()?;
    opts.filter = Some(format!("tcp port {tcp} or udp port {udp}"));
    if !opts.json {
        println!("{}", t!("capture-demo-live", tcp = tcp, udp = udp));
        println!("{}\n", how_to_read());
    }
    let children = Children::script(script(tcp, udp)).relayed();
    match run::run(&opts, Some(children)) {
        Ok(_) => Ok(()),
        Err(e) => match e.downcast::<CaptureError>() {
            Ok(CaptureError::Permission { iface, exe }) => Err(anyhow::anyhow!(
                "{}",
                t!(
                    "capture-demo-or-replay",
                    error = CaptureError::Permission { iface, exe }.to_string()
                )
            )),
            Ok(other) => Err(other.into()),
            Err(e) => Err(e),
        },
    }
}
