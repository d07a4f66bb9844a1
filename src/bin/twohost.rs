#![forbid(unsafe_code)]
//! twohost: two "computers" on one machine, for the chat labs, joined by a
//! cable that socklab emulates (delay, bandwidth, loss, reordering,
//! duplication).
//!
//! `twohost up` builds network namespaces `alice` and `bob` (and `carol`
//! with `--carol`), each with its own IPv4 and IPv6 address and its own
//! veth pair to a middle namespace, and starts the process that owns them:
//! it runs the link emulator between the cables and answers `status`,
//! `set` and `down` on a control socket. `twohost exec alice PROGRAM` runs
//! a program "on alice"; `twohost shell alice` opens a shell there.
//!
//! With sudo the namespaces are the machine's (`ip netns list` shows them);
//! without root everything lives in the user's own user namespace and
//! nothing is made on the machine. Either way `twohost down` removes it all,
//! however often it is run, and a killed owner's leftovers are removed by
//! the next `twohost up` or `down`.
//!
//! A thin binary over `socklab::netns`, `socklab::link` and
//! `socklab::userns`; nothing here touches the host's own interfaces,
//! routes or firewall.

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use clap::{Args as ClapArgs, Parser, Subcommand};
use serde_json::{json, Map, Value};

use socklab::cli;
use socklab::i18n::{self, help};
use socklab::link::control::{self, Request, Server};
use socklab::link::{self, Directed, Impairments};
use socklab::netns::{self, Network, NetworkOptions, TwoHosts};
use socklab::sys::linux as sys;
use socklab::t;
use socklab::userns;

const PROG: &str = "twohost";
/// The control socket's kind (see `socklab::link::control`).
const KIND: &str = "twohost";
/// How long `up` waits for the network, and `down` for it to go.
const PATIENCE: Duration = Duration::from_secs(30);

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

/// The examples of `--help` (in Portuguese: `help-twohost-examples`).
const EXAMPLES: &str = "\
Examples:
  twohost up                          build alice (10.203.0.1) and bob (10.203.0.2), no root needed
  twohost up --delay 50ms --rate 10mbit --loss 2    a cable with a 100 ms round trip, 10 Mbit/s and 2 % loss
  twohost set --loss 5                change the cable while programs run (also: twohost loss 5)
  twohost exec bob target/release/tcp_server --host 10.203.0.2     run a program on bob
  twohost shell alice                 a shell on alice: everything typed there runs on alice
  twohost status                      is it up? addresses, the cable, what it dropped
  twohost down                        remove everything (safe to run twice)
With sudo, the same commands build the namespaces on the machine itself (`ip netns list` shows them).";

/// Two computers on one machine: network namespaces alice and bob, each
/// joined by its own cable to a link that socklab emulates, with optional
/// delay, bandwidth limit, loss, reordering and duplication. Linux; root
/// or a user namespace.
#[derive(Parser)]
#[command(version, after_help = EXAMPLES)]
struct Args {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    lang: cli::LangArg,

    /// Prefix of the namespace names (tests build their own network)
    #[arg(long, global = true, default_value = "", hide = true, value_parser = parse_prefix)]
    prefix: String,

    /// Third byte of the subnet 10.203.N.0/24 (tests build their own network)
    #[arg(long, global = true, default_value_t = 0, hide = true)]
    subnet: u8,
}

#[derive(Subcommand)]
enum Command {
    /// Build the hosts and start the link (a network left from before is removed first)
    Up(UpArgs),
    /// Remove the hosts, the cables and the link; nothing to do is fine
    Down,
    /// Say whether the hosts are up, their addresses, the cable and what it did
    Status {
        /// One JSON object instead of text
        #[arg(long)]
        json: bool,
    },
    /// Change the loss on the cable (0 removes it); the same as `set --loss P`
    Loss {
        /// Percentage of packets lost on the way, each direction (0 to 100)
        #[arg(value_parser = link::parse_percent, value_name = "P")]
        percent: f64,
    },
    /// Change what the cable does while programs run (only the options given change)
    Set(LinkArgs),
    /// Run a program on one host: `twohost exec alice PROGRAM [ARGS...]`
    Exec {
        /// alice, bob (or carol)
        host: String,
        /// The program and its arguments
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        program: Vec<String>,
    },
    /// Open a shell on one host (`exit` leaves)
    Shell {
        /// alice, bob (or carol)
        host: String,
    },
    /// The process that owns the network (started by `up`)
    #[command(hide = true)]
    Serve(UpArgs),
}

#[derive(ClapArgs, Clone, Default)]
struct UpArgs {
    #[command(flatten)]
    link: LinkArgs,
    /// Also build carol (10.203.0.3): one server, several clients
    #[arg(long)]
    carol: bool,
    /// Send an event for everything the link does to the Unix datagram socket at PATH (docs/protocol.md)
    #[arg(long, value_name = "PATH")]
    events: Option<PathBuf>,
    /// Seed of the link's random draws, to repeat a run exactly
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
}

/// What the cable does. Each option takes one value for both directions
/// (`--delay 50ms`) or one per direction (`--delay
/// alice-to-bob=50ms,bob-to-alice=5ms`; a direction not named keeps what
/// it had).
#[derive(ClapArgs, Clone, Default)]
struct LinkArgs {
    /// One-way delay, e.g. 50ms (the round trip is twice this), or per direction: alice-to-bob=50ms,bob-to-alice=5ms; at most 60s
    #[arg(long, value_name = "DELAY", value_parser = |s: &str| link::parse_directed(s, link::parse_delay), allow_hyphen_values = true)]
    delay: Option<Directed<Duration>>,
    /// Each packet's delay varies by up to this much, e.g. 5ms (never reorders)
    #[arg(long, value_name = "DELAY", value_parser = |s: &str| link::parse_directed(s, link::parse_delay), allow_hyphen_values = true)]
    jitter: Option<Directed<Duration>>,
    /// Bandwidth, e.g. 10mbit, 512kbit, 1gbit
    #[arg(long, value_name = "RATE", value_parser = |s: &str| link::parse_directed(s, link::parse_rate), allow_hyphen_values = true)]
    rate: Option<Directed<u64>>,
    /// Packets the queue before the bandwidth limit holds; more are dropped (default 100)
    #[arg(long, value_name = "N", value_parser = |s: &str| link::parse_directed(s, link::parse_queue), allow_hyphen_values = true)]
    queue: Option<Directed<usize>>,
    /// Percentage of packets lost on the way, e.g. 2 (0 to 100)
    #[arg(long, value_name = "P", value_parser = |s: &str| link::parse_directed(s, link::parse_percent), allow_hyphen_values = true)]
    loss: Option<Directed<f64>>,
    /// Losses come in bursts of this many packets on average (Gilbert–Elliott), e.g. 3
    #[arg(long, value_name = "N", value_parser = |s: &str| link::parse_directed(s, link::parse_burst), allow_hyphen_values = true)]
    burst: Option<Directed<f64>>,
    /// Percentage of packets held back behind two later ones, e.g. 1
    #[arg(long, value_name = "P", value_parser = |s: &str| link::parse_directed(s, link::parse_percent), allow_hyphen_values = true)]
    reorder: Option<Directed<f64>>,
    /// Percentage of packets delivered twice, e.g. 1
    #[arg(long, value_name = "P", value_parser = |s: &str| link::parse_directed(s, link::parse_percent), allow_hyphen_values = true)]
    duplicate: Option<Directed<f64>>,
}

/// Put `value` as `key` into `plain` (both directions) or into each
/// named direction's object of `each`.
fn put_directed<T>(
    plain: &mut Map<String, Value>,
    each: &mut Map<String, Value>,
    key: &str,
    value: &Option<Directed<T>>,
    json_of: impl Fn(&T) -> Value,
) {
    let Some(d) = value else { return };
    if let Some(v) = &d.both {
        plain.insert(key.to_string(), json_of(v));
    }
    for (from, to, v) in &d.each {
        let entry = each
            .entry(link::direction_key(from, to))
            .or_insert_with(|| json!({}));
        if let Some(m) = entry.as_object_mut() {
            m.insert(key.to_string(), json_of(v));
        }
    }
}

/// A [`Directed`] value as the command line writes it.
fn directed_arg<T>(d: &Directed<T>, text: impl Fn(&T) -> String) -> String {
    match &d.both {
        Some(v) => text(v),
        None => d
            .each
            .iter()
            .map(|(from, to, v)| format!("{from}-to-{to}={}", text(v)))
            .collect::<Vec<_>>()
            .join(","),
    }
}

impl LinkArgs {
    /// The settings given, as the control socket takes them: the values
    /// for both directions as plain keys, the others under `directions`.
    fn settings(&self) -> Value {
        let (mut m, mut each) = (Map::new(), Map::new());
        let ms = |d: &Duration| json!(d.as_secs_f64() * 1000.0);
        put_directed(&mut m, &mut each, "delay_ms", &self.delay, ms);
        put_directed(&mut m, &mut each, "jitter_ms", &self.jitter, ms);
        put_directed(&mut m, &mut each, "rate_bps", &self.rate, |r| json!(r));
        put_directed(&mut m, &mut each, "queue", &self.queue, |q| json!(q));
        put_directed(&mut m, &mut each, "loss_percent", &self.loss, |p| json!(p));
        put_directed(&mut m, &mut each, "burst", &self.burst, |b| json!(b));
        put_directed(&mut m, &mut each, "reorder_percent", &self.reorder, |p| {
            json!(p)
        });
        put_directed(
            &mut m,
            &mut each,
            "duplicate_percent",
            &self.duplicate,
            |p| json!(p),
        );
        if !each.is_empty() {
            m.insert("directions".into(), Value::Object(each));
        }
        Value::Object(m)
    }

    /// Each direction's settings (the given ones over the defaults) for a
    /// network of these hosts; a bad value or combination, or a direction
    /// between hosts it does not have, is a usage error.
    fn impairments(&self, carol: bool) -> BTreeMap<String, Impairments> {
        let start = directions(carol)
            .into_iter()
            .map(|d| (d, Impairments::default()))
            .collect();
        control::apply_directed_settings(&start, &self.settings())
            .unwrap_or_else(|e| usage_error(&e))
    }

    /// The arguments that give these settings again (for `serve`).
    fn to_args(&self) -> Vec<String> {
        let mut a = Vec::new();
        let us = |d: &Duration| format!("{}us", d.as_micros());
        let mut push = |flag: &str, value: Option<String>| {
            if let Some(v) = value {
                a.extend([flag.to_string(), v]);
            }
        };
        push("--delay", self.delay.as_ref().map(|d| directed_arg(d, us)));
        push(
            "--jitter",
            self.jitter.as_ref().map(|d| directed_arg(d, us)),
        );
        push(
            "--rate",
            self.rate
                .as_ref()
                .map(|d| directed_arg(d, |r| format!("{r}bit"))),
        );
        push(
            "--queue",
            self.queue
                .as_ref()
                .map(|d| directed_arg(d, usize::to_string)),
        );
        for (flag, v) in [
            ("--loss", &self.loss),
            ("--burst", &self.burst),
            ("--reorder", &self.reorder),
            ("--duplicate", &self.duplicate),
        ] {
            push(flag, v.as_ref().map(|d| directed_arg(d, f64::to_string)));
        }
        a
    }
}

/// The directions of a network (`alice->bob`, ...): every ordered pair of
/// its hosts.
fn directions(carol: bool) -> Vec<String> {
    let hosts: &[&str] = if carol {
        &link::HOSTS
    } else {
        &link::HOSTS[..2]
    };
    let mut out = Vec::new();
    for from in hosts {
        for to in hosts {
            if from != to {
                out.push(link::direction_key(from, to));
            }
        }
    }
    out
}

/// The settings every direction shares, or `None` when they differ.
fn shared_settings(each: &BTreeMap<String, Impairments>) -> Option<&Impairments> {
    let first = each.values().next()?;
    each.values().all(|c| c == first).then_some(first)
}

/// Lines saying what the link does: one when every direction does the
/// same, else one per direction.
fn link_lines(each: &BTreeMap<String, Impairments>, message: &str) -> Vec<String> {
    match shared_settings(each) {
        Some(cfg) => vec![t!(message, link = link::describe(cfg))],
        None => each
            .iter()
            .map(|(dir, cfg)| {
                t!(
                    "twohost-link-direction-now",
                    direction = dir.replace("->", "-to-"),
                    link = link::describe_direction(cfg)
                )
            })
            .collect(),
    }
}

/// Each direction's settings from a status reply (`directions.*.link`),
/// or from its `link` when it has none.
fn settings_of_reply(body: &Value) -> Result<BTreeMap<String, Impairments>, String> {
    let mut out = BTreeMap::new();
    if let Some(dirs) = body["directions"].as_object() {
        for (name, d) in dirs {
            if !d["link"].is_null() {
                out.insert(
                    name.clone(),
                    control::apply_settings(&Impairments::default(), &d["link"])?,
                );
            }
        }
    }
    if out.is_empty() {
        out.insert(
            link::direction_key("alice", "bob"),
            control::apply_settings(&Impairments::default(), &body["link"])?,
        );
    }
    Ok(out)
}

/// A usage error found after parsing: one line, exit code 2.
fn usage_error(message: &str) -> ! {
    use clap::CommandFactory;
    help::exit_usage(
        Args::command().name(PROG),
        clap::error::ErrorKind::ValueValidation,
        message,
    )
}

fn parse_prefix(text: &str) -> Result<String, String> {
    if text.len() <= 24
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(text.to_string())
    } else {
        Err(t!("twohost-bad-prefix"))
    }
}

fn main() -> ExitCode {
    cli::run_main(PROG, run)
}

fn run() -> anyhow::Result<()> {
    let args: Args = cli::parse(PROG);
    let (prefix, subnet) = (args.prefix.as_str(), args.subnet);
    match args.command {
        Command::Up(up_args) => up(prefix, subnet, &up_args),
        Command::Serve(up_args) => serve(prefix, subnet, &up_args),
        Command::Down => down(prefix),
        Command::Status { json } => status(prefix, subnet, json),
        Command::Loss { percent } => set(
            prefix,
            &LinkArgs {
                loss: Some(Directed {
                    both: Some(percent),
                    each: Vec::new(),
                }),
                ..LinkArgs::default()
            },
        ),
        Command::Set(link_args) => set(prefix, &link_args),
        Command::Exec { host, program } => exec(prefix, &host, &program),
        Command::Shell { host } => exec(prefix, &host, &[]),
    }
}

// ---- finding the owner ----------------------------------------------------------

/// The control socket names to look for the network under: ours, then
/// root's (a network built with sudo, seen by its student).
fn socket_names(prefix: &str) -> Vec<String> {
    let uid = sys::real_ids().0;
    let mut names = vec![control::socket_name(KIND, uid, prefix)];
    if uid != 0 {
        names.push(control::socket_name(KIND, 0, prefix));
    }
    names
}

/// Ask the owner of the network; `None` when none is up.
fn ask(prefix: &str, req: &Request) -> anyhow::Result<Option<control::Reply>> {
    for name in socket_names(prefix) {
        if let Some(reply) = control::request(&name, req)? {
            if let Some(e) = control::reply_error(&reply.body) {
                bail!("{e}");
            }
            return Ok(Some(reply));
        }
    }
    Ok(None)
}

/// Wait until the owner `pid` has ended (it removes the network first).
fn wait_gone(prefix: &str, pid: u32) -> anyhow::Result<()> {
    let start = Instant::now();
    while ask(prefix, &Request::Status)?.is_some() || netns::process_running(pid) {
        if start.elapsed() > PATIENCE {
            bail!(t!(
                "twohost-owner-did-not-end",
                seconds = PATIENCE.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// Namespaces left by a killed owner with this prefix (root networks only:
/// a private network vanishes with its owner).
fn dead_leftovers(prefix: &str) -> Vec<String> {
    if !socklab::sys::is_root() {
        return Vec::new();
    }
    netns::dead_networks(prefix).unwrap_or_default()
}

// ---- up, down ------------------------------------------------------------------

fn up(prefix: &str, subnet: u8, a: &UpArgs) -> anyhow::Result<()> {
    let impairments = a.link.impairments(a.carol);
    let mut was_there = false;
    if let Some(reply) = ask(prefix, &Request::Stop)? {
        wait_gone(prefix, reply.peer.pid)?;
        was_there = true;
    }
    if !dead_leftovers(prefix).is_empty() {
        was_there = true;
    }
    let exe = std::env::current_exe().with_context(|| t!("twohost-step-find-exe"))?;
    let mut cmd = Process::new(exe);
    // The owner speaks our language: its errors are shown here.
    cmd.args(["--lang", i18n::lang().tag()])
        .args(["--prefix", prefix, "--subnet", &subnet.to_string(), "serve"])
        .args(a.link.to_args());
    if a.carol {
        cmd.arg("--carol");
    }
    if let Some(p) = &a.events {
        cmd.arg("--events").arg(p);
    }
    if let Some(s) = a.seed {
        cmd.args(["--seed", &s.to_string()]);
    }
    // Its own process group: a Ctrl-C in this terminal later must not stop it.
    let mut child = cmd
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| t!("twohost-step-start-owner"))?;
    let owner = child.id();
    let mut out = child.stdout.take().map(std::io::BufReader::new);
    let mut line = String::new();
    if let Some(out) = out.as_mut() {
        use std::io::BufRead;
        let _ = out.read_line(&mut line);
    }
    if line.trim() != "ready" {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        let _ = child.wait();
        let err = err.trim();
        let err = err
            .strip_prefix(&format!("{PROG}: {}: ", help::error_word()))
            .unwrap_or(err);
        if err.is_empty() {
            bail!(t!("twohost-owner-silent"));
        }
        bail!("{err}");
    }
    // From here on it runs on its own; its pipes close with us.
    let hosts = TwoHosts::layout_owned(prefix, subnet, owner, a.carol);
    if was_there {
        say!("{}", t!("twohost-up-rebuilt"));
    }
    let names: Vec<&str> = hosts.hosts().iter().map(|h| h.name.as_str()).collect();
    say!(
        "{}",
        t!("twohost-up", hosts = names.len(), names = names.join(", "))
    );
    for h in hosts.hosts() {
        say!("  {:<8} {:<12} {:<14} {}", h.name, h.veth, h.v4, h.v6);
    }
    for line in link_lines(&impairments, "twohost-link-now") {
        say!("  {line}");
    }
    say!("  {}", where_text(!socklab::sys::is_root(), &hosts));
    print_examples(&hosts);
    Ok(())
}

fn where_text(private: bool, hosts: &TwoHosts) -> String {
    if private {
        t!("twohost-where-private")
    } else {
        t!(
            "twohost-where-namespaces",
            names = hosts.namespaces().join(" ")
        )
    }
}

/// `alice`, `alice and bob`, `alice, bob and carol`.
fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => t!("twohost-and", rest = rest.join(", "), last = last),
    }
}

fn down(prefix: &str) -> anyhow::Result<()> {
    let mut removed = Vec::new();
    if let Some(reply) = ask(prefix, &Request::Stop)? {
        wait_gone(prefix, reply.peer.pid)?;
        removed.extend(names_of(&reply.body));
    }
    let dead = dead_leftovers(prefix);
    if !dead.is_empty() {
        netns::remove_leftovers()?;
        say!("{}", t!("twohost-down-leftovers", names = dead.join(", ")));
    }
    if removed.is_empty() && dead.is_empty() {
        say!("{}", t!("twohost-down-nothing"));
    } else if !removed.is_empty() {
        say!("{}", t!("twohost-down-removed", names = and_list(&removed)));
    }
    Ok(())
}

fn names_of(status: &Value) -> Vec<String> {
    ["alice", "bob", "carol"]
        .iter()
        .filter(|h| status.get(**h).is_some_and(|v| !v.is_null()))
        .map(|h| h.to_string())
        .collect()
}

fn set(prefix: &str, a: &LinkArgs) -> anyhow::Result<()> {
    let settings = a.settings();
    if settings.as_object().is_some_and(Map::is_empty) {
        usage_error(&t!("twohost-set-nothing"));
    }
    let Some(reply) = ask(prefix, &Request::Set(settings))? else {
        bail!(t!("twohost-not-up"));
    };
    if let Some(e) = reply.body["error"].as_str() {
        bail!("{e}");
    }
    let each = settings_of_reply(&reply.body)
        .map_err(|e| anyhow!(t!("twohost-unreadable-link", error = e)))?;
    for line in link_lines(&each, "twohost-set-done") {
        say!("{line}");
    }
    Ok(())
}

// ---- the owner -----------------------------------------------------------------

/// `twohost serve`: take the name, build the network, answer until told
/// to stop (or SIGINT/SIGTERM), remove everything.
fn serve(prefix: &str, subnet: u8, a: &UpArgs) -> anyhow::Result<()> {
    let private = !socklab::sys::is_root();
    let uid = sys::real_ids().0;
    let name = control::socket_name(KIND, uid, prefix);
    let server = match Server::bind(&name) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            bail!(t!("twohost-already-up"))
        }
        Err(e) => return Err(e).with_context(|| t!("twohost-step-control-name")),
    };
    if private {
        userns::enter_private_lab()?;
    }
    let hosts = TwoHosts::layout_owned(prefix, subnet, std::process::id(), a.carol);
    let mut current = a.link.impairments(a.carol);
    let opts = NetworkOptions {
        impairments: current
            .get(&link::direction_key("alice", "bob"))
            .cloned()
            .unwrap_or_default(),
        events: a.events.clone(),
        seed: a.seed,
    };
    let net = Network::build(&hosts, &opts)?;
    if shared_settings(&current).is_none() {
        net.set_each(opts.impairments.clone(), &current)?;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    say!("ready");
    server.serve(&stop, |req, _peer| match req {
        Request::Status => (status_json(&net, private, &current), false),
        Request::Set(settings) => match control::apply_directed_settings(&current, &settings) {
            Ok(cfg) => match net.set_each(Impairments::default(), &cfg) {
                Ok(()) => {
                    current = cfg;
                    (status_json(&net, private, &current), false)
                }
                Err(e) => (json!({"error": e.to_string()}), false),
            },
            Err(e) => (json!({"error": e}), false),
        },
        Request::Stop => (status_json(&net, private, &current), true),
    })?;
    net.down()?;
    Ok(())
}

/// What `status --json` shows, made by the owner.
fn status_json(net: &Network, private: bool, each: &BTreeMap<String, Impairments>) -> Value {
    // `link` and `loss_percent`: alice to bob's (both directions' unless
    // they were set apart); each direction's own under `directions`.
    let cfg = &each
        .get(&link::direction_key("alice", "bob"))
        .cloned()
        .unwrap_or_default();
    let snap = net.snapshot();
    let h = &net.hosts;
    let existing = h.existing().unwrap_or_default();
    let host = |x: &netns::Host| {
        // What the link dropped on the way to this host.
        let dropped: u64 = snap
            .directions
            .iter()
            .filter(|d| d.to == x.name)
            .map(|d| d.stats.dropped())
            .sum();
        json!({
            "ns": x.ns,
            "veth": x.veth,
            "ipv4": x.v4.to_string(),
            "ipv6": x.v6.to_string(),
            "dropped": dropped,
        })
    };
    let mut directions = Map::new();
    for d in &snap.directions {
        let key = link::direction_key(&d.from, &d.to);
        let mut entry = control::stats_json(&d.stats);
        if let Some(m) = entry.as_object_mut() {
            // The settings put in force (the snapshot may be older than
            // the last change).
            let cfg = each.get(&key).unwrap_or(&d.impairments);
            m.insert("link".into(), control::impairments_json(cfg));
        }
        directions.insert(key, entry);
    }
    json!({
        "up": existing.len() == h.namespaces().len() && net.link_running(),
        "existing": existing,
        "owner": h.owner,
        "private": private,
        "alice": host(&h.alice),
        "bob": host(&h.bob),
        "carol": h.carol.as_ref().map(host),
        "link_ns": h.link_ns,
        "loss_percent": cfg.loss_percent,
        "link": control::impairments_json(cfg),
        "link_running": net.link_running(),
        "directions": directions,
        "overrun": snap.overrun,
        "send_failed": snap.send_failed,
        "too_long": snap.too_long,
        "events_sent": snap.events_sent,
        "events_lost": snap.events_lost,
    })
}

// ---- status ----------------------------------------------------------------------

fn status(prefix: &str, subnet: u8, json: bool) -> anyhow::Result<()> {
    let reply = ask(prefix, &Request::Status)?;
    let dead = dead_leftovers(prefix);
    let body = match &reply {
        Some(r) => r.body.clone(),
        None => {
            let hosts = TwoHosts::layout_owned(prefix, subnet, 0, false);
            let host = |x: &netns::Host| {
                json!({"ns": Value::Null, "veth": x.veth, "ipv4": x.v4.to_string(),
                       "ipv6": x.v6.to_string(), "dropped": Value::Null})
            };
            json!({
                "up": false,
                "existing": dead,
                "owner": Value::Null,
                "alice": host(&hosts.alice),
                "bob": host(&hosts.bob),
                "loss_percent": Value::Null,
                "link": Value::Null,
            })
        }
    };
    if json {
        say!("{body}");
        return Ok(());
    }
    let up = body["up"] == true;
    match (&reply, up) {
        (Some(_), true) => {
            let hosts = if body["carol"].is_null() { 2 } else { 3 };
            say!("{}", t!("twohost-status-up", hosts = hosts));
            // Counts from the owner: numbers, or nothing if it sent none.
            let count = |v: &Value| v.as_u64().unwrap_or(0);
            for name in ["alice", "bob", "carol"] {
                let x = &body[name];
                if x.is_null() {
                    continue;
                }
                say!(
                    "  {:<8} {:<12} {:<14} {}  {}",
                    name,
                    x["veth"].as_str().unwrap_or(""),
                    x["ipv4"].as_str().unwrap_or(""),
                    x["ipv6"].as_str().unwrap_or(""),
                    t!("twohost-status-dropped-here", n = count(&x["dropped"]))
                );
            }
            let each = settings_of_reply(&body).unwrap_or_default();
            for line in link_lines(&each, "twohost-link-now") {
                say!("  {line}");
            }
            if let Some(dirs) = body["directions"].as_object() {
                for (dir, s) in dirs {
                    say!(
                        "  {dir}: {}",
                        t!(
                            "twohost-status-direction",
                            forwarded = count(&s["forwarded"]),
                            dropped = count(&s["dropped"]),
                            reordered = count(&s["reordered"]),
                            duplicated = count(&s["duplicated"])
                        )
                    );
                }
            }
        }
        (Some(_), false) => say!(
            "{}",
            t!(
                "twohost-status-half-built",
                names = body["existing"]
                    .as_array()
                    .map(|a| a
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            )
        ),
        (None, _) if !dead.is_empty() => say!(
            "{}",
            t!("twohost-status-leftovers", names = dead.join(", "))
        ),
        (None, _) => say!("{}", t!("twohost-status-down")),
    }
    Ok(())
}

// ---- exec, shell -----------------------------------------------------------------

/// Run `program` (empty: a shell) on `host`, replacing this process.
fn exec(prefix: &str, host: &str, program: &[String]) -> anyhow::Result<()> {
    let Some(reply) = ask(prefix, &Request::Status)? else {
        bail!(t!("twohost-not-up"));
    };
    let Some(ns) = reply.body[host]["ns"].as_str().map(String::from) else {
        bail!(t!(
            "twohost-no-such-host",
            host = host,
            hosts = names_of(&reply.body).join(", ")
        ));
    };
    let owner = reply.peer.pid;
    if reply.peer.uid == 0 && !socklab::sys::is_root() {
        bail!(t!("twohost-built-with-sudo", host = host));
    }
    // Single-threaded still: a private network's namespaces can be joined.
    userns::join_lab(owner)?;
    let mut argv: Vec<String> = program.to_vec();
    if argv.is_empty() {
        argv.push(std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into()));
        let addr = reply.body[host]["ipv4"].as_str().unwrap_or("");
        eprintln!("{}", t!("twohost-shell", host = host, addr = addr));
    }
    let error = Process::new("ip")
        .args(["netns", "exec", &ns])
        .args(&argv)
        .env("SOCKLAB_HOST", host)
        .exec();
    Err(error).context(if error_is_missing(&argv) {
        t!("twohost-no-ip")
    } else {
        t!("twohost-step-run", program = &argv[0], host = host)
    })
}

fn error_is_missing(_argv: &[String]) -> bool {
    which("ip").is_none()
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    })
}

// ---- examples --------------------------------------------------------------------

/// How to run programs on the hosts.
fn print_examples(hosts: &TwoHosts) {
    let (a, b) = (&hosts.alice, &hosts.bob);
    let bin = |name: &str| program_path(name).display().to_string();
    let sudo = if socklab::sys::is_root() { "sudo " } else { "" };
    let th = format!("{sudo}{}", bin("twohost"));
    say!();
    say!("{}", t!("twohost-examples-intro", twohost = &th));
    say!(
        "  {th} exec alice {} --proto tcp --listen --host {} --name alice",
        bin("chat"),
        a.v4
    );
    say!(
        "  {th} exec bob {} --proto tcp --connect {} --name bob",
        bin("chat"),
        a.v4
    );
    say!(
        "  {th} exec alice {} --proto udp --peer {} --name alice",
        bin("chat"),
        b.v4
    );
    say!(
        "  {th} exec bob {} --proto udp --peer {} --name bob",
        bin("chat"),
        a.v4
    );
    say!(
        "  {th} exec alice {} -i {}        {}",
        bin("capture"),
        a.veth,
        t!("twohost-examples-capture")
    );
    say!(
        "  {th} exec bob {} --host {}        {}",
        bin("udp_server"),
        b.v6,
        t!("twohost-examples-udp-server")
    );
    say!("{}", t!("twohost-examples-done", twohost = &th));
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
