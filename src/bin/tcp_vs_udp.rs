#![forbid(unsafe_code)]
//! tcp_vs_udp: send the same messages once over TCP and once over UDP, and
//! measure what arrives and how long it takes.
//!
//! An instrument, not a lesson listing: the socket calls live in
//! `socklab::experiment::endpoint`, and the narration shows only the calls a
//! student cares about (one line for all the `send()`s of a run), because a
//! line per message would change the timing being measured.
//!
//! Two scenarios:
//! - `overload` (default, no root): loopback, the sender as fast as it can,
//!   the receiver slowed down by `--recv-delay`. UDP loses what overflows the
//!   receiver's socket buffer; TCP's flow control slows the sender instead.
//! - `lossy` (Linux; root, or a user namespace of its own without root): the
//!   receiver on host `bob`, the sender on `alice`, socklab's link between
//!   them losing `--loss` percent of the packets each way, with `--delay`,
//!   `--jitter` and `--link-rate` if given. This program starts itself there
//!   with the hidden subcommands `receiver` and `sender`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use socklab::cli::{self, ColorChoice, CommonArgs};
use socklab::experiment::endpoint::{ReceiverConfig, SenderConfig};
use socklab::experiment::lossy::{self, LossyPlan, DEFAULT_LOSSY_RATE, DEFAULT_LOSSY_RCVBUF};
use socklab::experiment::message::HEADER_LEN;
use socklab::experiment::report::{self, ProtoRun};
use socklab::experiment::{local, plot, Proto, Scenario, Workload, MAX_MESSAGES};
use socklab::i18n::{self, help};
use socklab::link::{self, Impairments};
use socklab::narrate::Narrator;
use socklab::net::{self, NetError};
use socklab::t;

const PROG: &str = "tcp_vs_udp";
/// The overload scenario's receiver pause per message, unless `--recv-delay`.
const DEFAULT_OVERLOAD_DELAY: Duration = Duration::from_micros(100);

/// The examples of `--help` (in Portuguese: `help-tcp_vs_udp-examples`).
const EXAMPLES: &str = "\
Examples:
  tcp_vs_udp                                   overload on loopback: a slow receiver, 10,000 messages
  tcp_vs_udp --recv-delay 0 --rate 20000       loopback with no overload: both should deliver 100%
  tcp_vs_udp --rcvbuf 4M                       the same overload with a bigger UDP receive buffer
  tcp_vs_udp --scenario lossy --loss 10        two hosts, 10% of packets lost each way (no root needed)
  tcp_vs_udp --scenario lossy --sweep 0,1,5,10,20 --repeat 3 --svg sweep.svg
  tcp_vs_udp --scenario lossy --loss 1 --delay-sweep 0,10ms,25ms,50ms --svg rtt.svg   time against RTT
  tcp_vs_udp --scenario lossy --loss 10 --proto udp --iperf3   check against iperf3
  tcp_vs_udp --json | jq .lost                 one JSON object per protocol per run";

/// Send the same messages over TCP and over UDP; count what is lost, duplicated
/// or out of order, and how long it takes.
#[derive(Parser)]
#[command(version, after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    role: Option<Role>,

    #[command(flatten)]
    run: RunArgs,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    common: CommonArgs,

    /// overload: loopback, slow receiver; lossy: two hosts and a link with loss and delay
    #[arg(long, value_enum, default_value_t = Scenario::Overload)]
    scenario: Scenario,

    /// How many messages to send over each protocol
    #[arg(long, short = 'n', default_value_t = 10_000, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=MAX_MESSAGES))]
    messages: u64,

    /// Bytes per message, 24 (sequence number and send time) up to 65507 (the largest UDP datagram)
    #[arg(long, short, default_value = "1000", value_name = "BYTES", value_parser = parse_message_size)]
    size: usize,

    /// Messages per second, or max: as fast as possible (default: overload max, lossy 20000)
    #[arg(long, value_name = "MSGS_PER_S", value_parser = parse_rate)]
    rate: Option<f64>,

    /// The receiver's pause after each message, e.g. 0.1ms, 1ms, 0 (default: overload 0.1ms, lossy 0)
    #[arg(long, value_name = "DURATION", value_parser = cli::parse_duration)]
    recv_delay: Option<Duration>,

    /// SO_RCVBUF for the receiving socket, e.g. 64K, 4M (default: the kernel's; lossy: 4M)
    #[arg(long, value_name = "BYTES", value_parser = parse_rcvbuf)]
    rcvbuf: Option<usize>,

    /// Lossy: percentage of packets the link drops in each direction (10 means 10%)
    #[arg(long, value_name = "PERCENT", value_parser = parse_percent, conflicts_with = "sweep",
          allow_negative_numbers = true)]
    loss: Option<f64>,

    /// Lossy: repeat over these loss percentages, e.g. 0,1,5,10,20
    #[arg(long, value_name = "LIST", value_parser = parse_percent_list)]
    sweep: Option<PercentList>,

    /// Lossy: the link's one-way delay, e.g. 25ms (the round trip is twice this)
    #[arg(long, value_name = "DELAY", value_parser = link::parse_delay, conflicts_with = "delay_sweep")]
    delay: Option<Duration>,

    /// Lossy: repeat over these one-way delays, e.g. 0,10ms,25ms,50ms
    #[arg(long, value_name = "LIST", value_parser = parse_delay_list)]
    delay_sweep: Option<DelayList>,

    /// Lossy: each packet's delay varies by up to this much, e.g. 5ms
    #[arg(long, value_name = "DELAY", value_parser = link::parse_delay)]
    jitter: Option<Duration>,

    /// Lossy: the link's bandwidth, e.g. 10mbit (--rate is the sender's pace in messages)
    #[arg(long, value_name = "RATE", value_parser = link::parse_rate)]
    link_rate: Option<u64>,

    /// Run each scenario (or each rate of --sweep) this many times
    #[arg(long, default_value_t = 1, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    repeat: u32,

    /// Which protocols to run
    #[arg(long, value_enum, default_value_t = Protos::Both)]
    proto: Protos,

    /// UDP: once the sender is done, stop waiting after this long without a datagram
    #[arg(long, default_value = "1s", value_name = "DURATION", value_parser = cli::parse_duration)]
    idle_timeout: Duration,

    /// Lossy: after each UDP run, measure the same link with iperf3 (same size, count and rate)
    #[arg(long)]
    iperf3: bool,

    /// One JSON object per protocol per run on stdout, instead of the table
    #[arg(long)]
    json: bool,

    /// Lossy: plot delivered % and elapsed time against the loss rate into this SVG file
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
}

/// `--proto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Protos {
    Both,
    Tcp,
    Udp,
}

impl Protos {
    fn list(self) -> Vec<Proto> {
        match self {
            Protos::Both => vec![Proto::Tcp, Proto::Udp],
            Protos::Tcp => vec![Proto::Tcp],
            Protos::Udp => vec![Proto::Udp],
        }
    }
}

/// A parsed `--sweep` (its own type, so that clap keeps it whole).
#[derive(Clone, Debug)]
struct PercentList(Vec<f64>);

/// A parsed `--delay-sweep`.
#[derive(Clone, Debug)]
struct DelayList(Vec<Duration>);

fn parse_delay_list(text: &str) -> Result<DelayList, String> {
    text.split(',')
        .map(link::parse_delay)
        .collect::<Result<Vec<Duration>, String>>()
        .map(DelayList)
}

/// The hidden roles of the lossy scenario: this program, started again in a
/// namespace by `ip netns exec`.
#[derive(Subcommand)]
enum Role {
    /// Receive one run and report it as JSON (used by --scenario lossy)
    #[command(hide = true)]
    Receiver(ReceiverArgs),
    /// Send one run and report it as JSON (used by --scenario lossy)
    #[command(hide = true)]
    Sender(SenderArgs),
}

#[derive(Args)]
struct RoleArgs {
    #[arg(long, value_enum)]
    proto: Proto,
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_MESSAGES))]
    messages: u64,
    #[arg(long, value_parser = parse_message_size)]
    size: usize,
    /// Names the run, so that its processes can be found
    #[arg(long)]
    run_id: Option<String>,
    #[arg(long, short)]
    quiet: bool,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Args)]
struct ReceiverArgs {
    #[command(flatten)]
    role: RoleArgs,
    #[arg(long)]
    bind: IpAddr,
    #[arg(long, default_value = "0", value_parser = cli::parse_duration)]
    recv_delay: Duration,
    #[arg(long, default_value = "1", value_parser = cli::parse_duration)]
    idle_timeout: Duration,
    #[arg(long, value_parser = parse_rcvbuf)]
    rcvbuf: Option<usize>,
}

#[derive(Args)]
struct SenderArgs {
    #[command(flatten)]
    role: RoleArgs,
    #[arg(long)]
    to: SocketAddr,
    #[arg(long, value_parser = parse_rate)]
    rate: Option<f64>,
}

// ---- option parsers (errors here exit with 2) -------------------------------

fn parse_message_size(text: &str) -> Result<usize, String> {
    let size = cli::parse_size(text)?;
    if size < HEADER_LEN as u64 {
        return Err(t!("exp-opt-message-too-small", min = HEADER_LEN));
    }
    let max = net::MAX_DATAGRAM_V4;
    if size > max as u64 {
        return Err(NetError::DatagramTooLarge {
            len: usize::try_from(size).unwrap_or(usize::MAX),
            max,
            family: "IPv4",
        }
        .to_string());
    }
    Ok(size as usize)
}

fn parse_rcvbuf(text: &str) -> Result<usize, String> {
    let size = cli::parse_size(text)?;
    if !(1..=1 << 30).contains(&size) {
        return Err(t!("exp-opt-rcvbuf-range"));
    }
    Ok(size as usize)
}

/// Messages per second, or `max` (as fast as possible: infinity here).
fn parse_rate(text: &str) -> Result<f64, String> {
    if text.trim() == "max" {
        return Ok(f64::INFINITY);
    }
    match text.trim().parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => Err(t!("exp-opt-bad-rate", text = text)),
    }
}

fn parse_percent(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches('%');
    match number.parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(t!("exp-opt-bad-percent", text = text)),
    }
}

fn parse_percent_list(text: &str) -> Result<PercentList, String> {
    let list = text
        .split(',')
        .map(parse_percent)
        .collect::<Result<Vec<f64>, String>>()?;
    Ok(PercentList(list))
}

/// A usage error found after parsing: clap's format (in English), one
/// line and the usage in the process's language, exit code 2.
fn usage_error(kind: ErrorKind, message: impl std::fmt::Display) -> ! {
    help::exit_usage(Cli::command().name(PROG), kind, message)
}

// ---- main --------------------------------------------------------------------

fn main() -> ExitCode {
    cli::run_main(PROG, run)
}

fn run() -> anyhow::Result<()> {
    let cli: Cli = cli::parse(PROG);
    if cli.role.is_none() && cli.run.scenario == Scenario::Lossy && !socklab::sys::is_root() {
        // Without root: the whole run (its hosts, its link, its role
        // processes) lives in a user namespace of its own. Entered now,
        // while this process has a single thread.
        socklab::userns::enter_private_lab().with_context(|| t!("exp-step-lossy-private"))?;
    }
    match cli.role {
        Some(Role::Receiver(a)) => run_receiver(a),
        Some(Role::Sender(a)) => run_sender(a),
        None => experiment(cli.run),
    }
}

fn role_narrator(a: &RoleArgs, side: &str) -> Narrator {
    Narrator::new(&format!("{PROG} {side}"), a.quiet, a.color.apply())
}

fn run_receiver(a: ReceiverArgs) -> anyhow::Result<()> {
    let n = role_narrator(&a.role, "receiver");
    let cfg = ReceiverConfig {
        proto: a.role.proto,
        bind: SocketAddr::new(a.bind, 0),
        messages: a.role.messages,
        size: a.role.size,
        recv_delay: a.recv_delay,
        rcvbuf: a.rcvbuf,
        idle_timeout: a.idle_timeout,
    };
    lossy::role_receiver(cfg, n)?;
    Ok(())
}

fn run_sender(a: SenderArgs) -> anyhow::Result<()> {
    let n = role_narrator(&a.role, "sender");
    let cfg = SenderConfig {
        proto: a.role.proto,
        to: a.to,
        messages: a.role.messages,
        size: a.role.size,
        rate: a.rate,
    };
    lossy::role_sender(cfg, n)?;
    Ok(())
}

fn experiment(a: RunArgs) -> anyhow::Result<()> {
    let lossy = a.scenario == Scenario::Lossy;
    if !lossy {
        for (given, name) in [
            (a.loss.is_some(), "--loss"),
            (a.sweep.is_some(), "--sweep"),
            (a.iperf3, "--iperf3"),
            (a.svg.is_some(), "--svg"),
            (a.delay.is_some(), "--delay"),
            (a.delay_sweep.is_some(), "--delay-sweep"),
            (a.jitter.is_some(), "--jitter"),
            (a.link_rate.is_some(), "--link-rate"),
        ] {
            if given {
                usage_error(
                    ErrorKind::ArgumentConflict,
                    t!("exp-opt-lossy-only", option = name),
                );
            }
        }
    }
    let losses = match (&a.loss, &a.sweep) {
        (Some(p), _) => vec![*p],
        (None, Some(list)) => list.0.clone(),
        (None, None) if lossy && a.delay.is_none() && a.delay_sweep.is_none() => usage_error(
            ErrorKind::MissingRequiredArgument,
            t!("exp-opt-lossy-needs-loss"),
        ),
        (None, None) => vec![0.0],
    };
    let losses: Vec<f64> = losses
        .iter()
        .flat_map(|&p| std::iter::repeat(p).take(a.repeat as usize))
        .collect();
    if a.iperf3 && a.proto == Protos::Tcp {
        usage_error(ErrorKind::ArgumentConflict, t!("exp-opt-iperf3-udp"));
    }

    let json = a.json;
    let color = a.common.color.apply();
    let n = Narrator::new(PROG, a.common.quiet || json, color);
    let workload = Workload {
        messages: a.messages,
        size: a.size,
        rate: match a.rate {
            Some(r) if r.is_finite() => Some(r),
            Some(_max) => None,
            None => lossy.then_some(DEFAULT_LOSSY_RATE),
        },
        recv_delay: a.recv_delay.unwrap_or(if lossy {
            Duration::ZERO
        } else {
            DEFAULT_OVERLOAD_DELAY
        }),
        rcvbuf: a.rcvbuf.or(lossy.then_some(DEFAULT_LOSSY_RCVBUF)),
        idle_timeout: a.idle_timeout,
    };
    let print_json = |r: &ProtoRun| {
        if json {
            n.output(r.to_json());
        }
    };

    let delay_sweep = a.delay_sweep.is_some();
    let runs = if lossy {
        let link = Impairments {
            delay: a.delay.unwrap_or_default(),
            jitter: a.jitter.unwrap_or_default(),
            rate_bps: a.link_rate,
            ..Impairments::default()
        };
        if let Err(e) = link::check(&link) {
            usage_error(ErrorKind::ValueValidation, e);
        }
        let plan = LossyPlan {
            workload,
            protos: a.proto.list(),
            losses: losses.clone(),
            delays: a.delay_sweep.map(|d| d.0).unwrap_or_default(),
            link,
            iperf3: a.iperf3,
            narrate: !(a.common.quiet || json),
            color,
            show_progress: true,
        };
        lossy::run(&plan, &n, print_json).with_context(|| t!("exp-step-lossy"))?
    } else {
        let ip = overload_address(&n, &a.common.host, a.size)?;
        let mut runs = Vec::new();
        for proto in losses.iter().flat_map(|_| a.proto.list()) {
            let (sent, received) = local::run(proto, ip, &workload, &n, true)
                .with_context(|| t!("exp-step-loopback-run", proto = proto.upper()))?;
            let run = ProtoRun {
                proto,
                scenario: Scenario::Overload,
                loss_percent: 0.0,
                delay: Duration::ZERO,
                link_rate_bps: None,
                workload: workload.clone(),
                sent,
                received,
                link_drops: None,
                iperf3: None,
            };
            print_json(&run);
            runs.push(run);
        }
        runs
    };

    if !json {
        n.output(report::table(&runs, color));
        for note in report::notes(&runs) {
            n.output(note);
        }
    }
    if let Some(path) = &a.svg {
        if delay_sweep {
            let loss = losses.first().copied().unwrap_or(0.0);
            let title = plot::rtt_title(
                a.messages,
                a.size,
                &report::trim_float_in(i18n::lang(), loss),
            );
            plot::write_rtt_svg(path, &runs, &title).map_err(anyhow::Error::msg)?;
        } else {
            let title = plot::loss_title(a.messages, a.size);
            plot::write_svg(path, &runs, &title).map_err(anyhow::Error::msg)?;
        }
        if !json {
            n.output(t!("exp-plot-written", path = path.display().to_string()));
        }
    }
    Ok(())
}

/// The address for the overload scenario: `--host`, resolved (both ends run
/// here, so it must be an address of this machine: loopback by default).
fn overload_address(n: &Narrator, host: &str, size: usize) -> anyhow::Result<IpAddr> {
    let addrs = n.resolve(host, 0)?;
    let addr = addrs
        .first()
        .copied()
        .unwrap_or(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0));
    if let Err(e) = net::check_datagram(size, &addr) {
        usage_error(ErrorKind::ValueValidation, e);
    }
    Ok(addr.ip())
}
