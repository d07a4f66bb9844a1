#![forbid(unsafe_code)]
//! twohost: two "computers" on one machine, for the chat labs.
//!
//! `sudo twohost up` builds two network namespaces, `alice` and `bob`, joined
//! by a virtual cable (a veth pair), each end with its own IPv4 and IPv6
//! address. A program started with `sudo ip netns exec alice PROGRAM` runs
//! "on alice": it sees only alice's network. `--loss P` makes the cable drop
//! P % of the packets. `sudo twohost down` removes everything, however often
//! it is run and whatever an interrupted run left behind.
//!
//! A thin binary over `socklab::netns`; nothing here touches the host's own
//! interfaces, routes or firewall.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use clap::{Parser, Subcommand};
use serde_json::json;

use socklab::cli;
use socklab::netns::{NetnsError, TwoHosts};

const PROG: &str = "twohost";

/// `println!`, except that a closed stdout (`twohost status | head -1`) ends
/// the program quietly, with success, as `cat` would.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

const EXAMPLES: &str = "\
Examples:
  sudo twohost up                 build alice (10.203.0.1) and bob (10.203.0.2)
  sudo twohost up --loss 20       the same, with a cable that drops 20 % of packets
  sudo twohost loss 5             change the loss while programs run
  twohost status                  is it up? addresses, loss, packets dropped
  sudo twohost down               remove everything (safe to run twice)
  sudo ip netns exec bob target/release/tcp_server --host 10.203.0.2    run a program on bob";

/// Two computers on one machine: network namespaces alice and bob, joined by
/// a veth pair, with optional packet loss. Linux, as root.
#[derive(Parser)]
#[command(version, after_help = EXAMPLES)]
struct Args {
    #[command(subcommand)]
    command: Command,

    /// Prefix of the namespace names (tests build their own pair)
    #[arg(long, global = true, default_value = "", hide = true)]
    prefix: String,

    /// Third byte of the subnet 10.203.N.0/24 (tests build their own pair)
    #[arg(long, global = true, default_value_t = 0, hide = true)]
    subnet: u8,
}

#[derive(Subcommand)]
enum Command {
    /// Build the two hosts (a leftover pair is removed first)
    Up {
        /// Drop this percentage of the packets arriving at each host (0 to 100)
        #[arg(long, default_value_t = 0.0, value_parser = parse_loss, value_name = "P")]
        loss: f64,
    },
    /// Remove the two hosts, the cable and the loss rules; nothing to do is fine
    Down,
    /// Say whether the two hosts are up, their addresses, the loss and the packets dropped
    Status {
        /// One JSON object instead of text
        #[arg(long)]
        json: bool,
    },
    /// Change the loss on the cable (0 removes it)
    Loss {
        /// Percentage of packets dropped on arrival at each host (0 to 100)
        #[arg(value_parser = parse_loss, value_name = "P")]
        percent: f64,
    },
}

fn main() -> ExitCode {
    cli::run_main(PROG, run)
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let hosts = TwoHosts::layout(&args.prefix, args.subnet);
    match args.command {
        Command::Up { loss } => {
            let was_there = !need_root(&hosts)?.is_empty();
            hosts.up(loss)?;
            if was_there {
                say!("removed the two hosts left from before, and built them again");
            }
            say!(
                "two hosts up: namespaces {} and {}, joined by a veth pair",
                hosts.alice.ns,
                hosts.bob.ns
            );
            print_hosts(&hosts, loss, None);
            print_examples(&hosts);
        }
        Command::Down => {
            let found = need_root(&hosts)?;
            hosts.down()?;
            if found.is_empty() {
                say!("nothing to remove: the two hosts were not up");
            } else {
                say!(
                    "removed {} (and with them the veth pair and the loss rules)",
                    found.join(" and ")
                );
            }
        }
        Command::Loss { percent } => {
            if need_root(&hosts)?.len() != 2 {
                bail!("the two hosts are not up: run `sudo twohost up` first");
            }
            hosts.set_loss(percent)?;
            say!(
                "loss set to {}: {}",
                percent_text(percent),
                loss_meaning(percent)
            );
        }
        Command::Status { json } => status(&hosts, json)?,
    }
    Ok(())
}

/// Stop here unless we are root; otherwise, the pair's namespaces that exist.
fn need_root(hosts: &TwoHosts) -> Result<Vec<String>, NetnsError> {
    if !socklab::sys::is_root() {
        return Err(NetnsError::NotRoot);
    }
    hosts.existing()
}

fn status(hosts: &TwoHosts, json: bool) -> anyhow::Result<()> {
    let existing = hosts.existing()?;
    let up = existing.len() == 2;
    let root = socklab::sys::is_root();
    // Reading the loss rule means entering the namespaces: root only.
    let (loss, dropped) = if up && root {
        (Some(hosts.loss_percent()?), Some(hosts.dropped()?))
    } else {
        (None, None)
    };
    if json {
        let host = |h: &socklab::netns::Host, dropped: Option<u64>| {
            json!({
                "ns": h.ns,
                "veth": h.veth,
                "ipv4": h.v4.to_string(),
                "ipv6": h.v6.to_string(),
                "dropped": dropped,
            })
        };
        let status = json!({
            "up": up,
            "existing": existing,
            "alice": host(&hosts.alice, dropped.map(|d| d.0)),
            "bob": host(&hosts.bob, dropped.map(|d| d.1)),
            "loss_percent": loss,
        });
        say!("{status}");
        return Ok(());
    }
    match existing.len() {
        2 => {
            say!("two hosts: up");
            print_hosts(hosts, loss.unwrap_or(0.0), dropped);
            if !root {
                say!("  (run with sudo to see the loss and the packets dropped)");
            }
        }
        0 => say!("two hosts: down (build them with `sudo twohost up`)"),
        _ => say!(
            "two hosts: half built ({} only, an interrupted run?): `sudo twohost down` removes it",
            existing.join(", ")
        ),
    }
    Ok(())
}

/// The table of hosts and addresses, and the loss.
fn print_hosts(hosts: &TwoHosts, loss: f64, dropped: Option<(u64, u64)>) {
    for (h, dropped) in [
        (&hosts.alice, dropped.map(|d| d.0)),
        (&hosts.bob, dropped.map(|d| d.1)),
    ] {
        let dropped = dropped.map_or_else(String::new, |d| format!("  dropped: {d}"));
        say!(
            "  {:<8} {:<16} {:<14} {}{dropped}",
            h.ns,
            h.veth,
            h.v4,
            h.v6
        );
    }
    say!("  loss: {}", loss_meaning(loss));
}

fn loss_meaning(loss: f64) -> String {
    if loss == 0.0 {
        "none: the cable delivers every packet".into()
    } else {
        format!(
            "{} of the packets arriving at each host are dropped (TCP retransmits them, UDP loses them)",
            percent_text(loss)
        )
    }
}

fn percent_text(loss: f64) -> String {
    format!("{} %", (loss * 100.0).round() / 100.0)
}

/// How to run programs on the two hosts.
fn print_examples(hosts: &TwoHosts) {
    let (a, b) = (&hosts.alice, &hosts.bob);
    let bin = |name: &str| program_path(name).display().to_string();
    say!();
    say!("Run a program on a host with `sudo ip netns exec HOST PROGRAM`:");
    say!(
        "  sudo ip netns exec {} {} --proto tcp --listen --host {} --name alice",
        a.ns,
        bin("chat"),
        a.v4
    );
    say!(
        "  sudo ip netns exec {} {} --proto tcp --connect {} --name bob",
        b.ns,
        bin("chat"),
        a.v4
    );
    say!(
        "  sudo ip netns exec {} {} --proto udp --peer {} --name alice",
        a.ns,
        bin("chat"),
        b.v4
    );
    say!(
        "  sudo ip netns exec {} {} --proto udp --peer {} --name bob",
        b.ns,
        bin("chat"),
        a.v4
    );
    say!(
        "  sudo ip netns exec {} {} -i {}        watch the cable from alice's side",
        a.ns,
        bin("capture"),
        a.veth
    );
    say!(
        "  sudo ip netns exec {} {} --host {}        a UDP server on bob, over IPv6",
        b.ns,
        bin("udp_server"),
        b.v6
    );
    say!(
        "  sudo ip netns exec {} {} --host {} -m hello",
        a.ns,
        bin("udp_client"),
        b.v6
    );
    say!("When done: sudo twohost down");
}

/// Where the lab program `name` is: beside this binary, shown relative to
/// the current directory when it is below it (`target/release/chat`).
fn program_path(name: &str) -> PathBuf {
    let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    else {
        return PathBuf::from(name);
    };
    let path = dir.join(name);
    match std::env::current_dir() {
        Ok(cwd) => path
            .strip_prefix(&cwd)
            .map_or(path.clone(), Path::to_path_buf),
        Err(_) => path,
    }
}

/// A loss percentage from 0 to 100, for clap (a usage error otherwise).
fn parse_loss(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{text}` is not a percentage: use a number from 0 to 100"))?;
    if (0.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "{value} is not a percentage from 0 to 100 (20 means 20 %)"
        ))
    }
}
