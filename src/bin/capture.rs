//! capture: sniff the loopback interface and explain every TCP segment.
//!
//! A thin binary over the library: it parses the command line, opens the
//! source, then loops: packets and socket-call events in, rendered items out.
//! See `src/capture/`, `src/wire/`, `src/track/` and `src/render/`.
#![forbid(unsafe_code)]

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::{ArgAction, ArgGroup, Args, Parser, Subcommand};

use socklab::capture::children::Children;
use socklab::capture::run::{self, Options};
use socklab::capture::{self, demo, CaptureError};
use socklab::cli::ColorChoice;
use socklab::render::verbose::{Detail, Hex};
use socklab::render::Style;
use socklab::timeline::Conversation;
use socklab::web::{self, Web};

const EXAMPLES: &str = "\
Examples:
  sudo capture demo                       # the whole lesson in one command
  capture demo --from-file                # the same from a shipped recording, no root needed
  sudo capture --port 5000                # watch tcp_server/tcp_client live
  sudo capture --ladder tcp port 5000     # draw the conversation as a ladder diagram
  sudo capture -w lab3.pcap --port 5000   # also save the packets for Wireshark
  capture -r lab3.pcap --svg lab3.svg     # read a saved capture, export the diagram
  sudo capture --json -- tcp_client --message hi   # run a program under capture
  sudo capture -v --port 5000             # every header field: TTL, IP id, checksums, options
  sudo capture --web --port 5000          # the browser view for a lecture (prints its address)
  capture -r lab3.pcap --quiz             # predict each segment, then see it: a quiz

  capture --private --port 5000           # no root: your own network; `capture shell` in other terminals";

/// Sniff loopback and annotate each TCP segment: handshake, data, teardown,
/// each side's TCP state, and the socket call that caused it.
#[derive(Parser, Debug)]
#[command(
    name = "capture",
    version,
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    opts: Opts,
    #[command(flatten)]
    lang: socklab::cli::LangArg,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run tcp_server and tcp_client (then udp_server and udp_client) under capture and explain everything.
    Demo(DemoArgs),
    /// A shell (or PROGRAM) in your private network, the one `capture --private` watches: no root needed.
    Shell {
        /// The program to run instead of your shell, and its arguments.
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "PROGRAM"
        )]
        program: Vec<String>,
    },
}

#[derive(Args, Debug)]
struct DemoArgs {
    /// Replay the shipped recording instead of capturing live (no privileges needed).
    #[arg(long)]
    from_file: bool,
    /// Colour: auto (only on a terminal, honours NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Also write the demo's packets to this pcap file (and its events beside it).
    #[arg(short = 'w', value_name = "FILE")]
    write: Option<PathBuf>,
    /// One JSON object per line instead of text.
    #[arg(long)]
    json: bool,
    /// Also write the ladder diagram as SVG.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("diagram").args(["ladder", "svg"]).multiple(true)))]
struct Opts {
    /// Interface to capture on (the loopback by default).
    #[arg(short = 'i', value_name = "IFACE")]
    interface: Option<String>,
    /// Read packets from a pcap file instead of capturing (no privileges needed).
    #[arg(short = 'r', value_name = "FILE", conflicts_with = "interface")]
    read: Option<PathBuf>,
    /// Also write the raw packets to a pcap file (tcpdump, tshark and Wireshark open it).
    #[arg(short = 'w', value_name = "FILE")]
    write: Option<PathBuf>,
    /// Stop after N packets.
    #[arg(short = 'c', value_name = "N")]
    count: Option<u64>,
    /// Shorthand for the filter `tcp port P or udp port P`.
    #[arg(long, value_name = "P")]
    port: Option<u16>,
    /// One JSON object per line instead of text.
    #[arg(long, conflicts_with = "ladder")]
    json: bool,
    /// Draw the conversation as a ladder (time-sequence) diagram.
    #[arg(long)]
    ladder: bool,
    /// Write the ladder diagram as a standalone SVG file at the end.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Only this connection (N or #N) or UDP flow (uN), in every view:
    /// text, JSON, ladder and SVG (numbers as the text and the summary
    /// show them); without it, diagrams draw at most the first 1000.
    #[arg(long, value_name = "N", value_parser = socklab::render::select::parse_conversation)]
    conn: Option<Conversation>,
    /// Draw the ladder and the SVG with time to scale: each empty row (10
    /// px in the SVG) stands for PER_ROW (10ms if not given:
    /// `--time-scale=50ms`); longer gaps are cut and marked with their
    /// duration.
    #[arg(long, value_name = "PER_ROW", num_args = 0..=1, require_equals = true,
          default_missing_value = "10ms", value_parser = time_scale, requires = "diagram")]
    time_scale: Option<Duration>,
    /// Draw every segment in the SVG instead of one band for each run of
    /// bulk data.
    #[arg(long, requires = "svg")]
    all_segments: bool,
    /// With `-- PROGRAM`: keep capturing this long after it exits, for the teardown.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    grace: u64,
    /// Show each packet the moment it arrives even when the output is not a
    /// terminal (on a terminal this is always on). Off, packets come in
    /// blocks at most 100 ms late and a flood is not dropped.
    #[arg(long)]
    immediate_mode: bool,
    /// Colour: auto (only on a terminal, honours NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Every header field of each packet (text and --json): -v one line per
    /// layer, -vv one line per field; both add the payload's first bytes.
    #[arg(short = 'v', action = ArgAction::Count)]
    verbose: u8,
    /// Also dump each packet in hex (from the IP header on), as tcpdump -x.
    #[arg(short = 'x')]
    hex: bool,
    /// Also dump each packet in hex and ASCII, as tcpdump -X.
    #[arg(short = 'X')]
    hex_ascii: bool,
    /// Serve the browser view (127.0.0.1 and a free port unless given; any
    /// other address shares a read-only view with the network).
    #[arg(long, value_name = "ADDR:PORT", num_args = 0..=1, require_equals = true,
          default_missing_value = "127.0.0.1:0", value_parser = web_addr)]
    web: Option<std::net::SocketAddr>,
    /// With -r: before each segment is shown, guess its flags, ack number
    /// and the state after it (answers from standard input).
    #[arg(long, requires = "read", conflicts_with_all = ["json", "ladder", "svg", "web"])]
    quiz: bool,
    /// Capture in your private network (Linux, no root needed); `capture shell` works in it from other terminals.
    #[arg(long, conflicts_with = "read")]
    private: bool,
    /// Do not read the kernel's own view (tracefs, as root): then only
    /// socklab's own programs' calls are shown, and capture's inference of
    /// the TCP states.
    #[arg(long)]
    no_kernel: bool,
    /// Receive the link emulator's events on a socket made at PATH (give
    /// the same PATH to `twohost up --events PATH`): what the link
    /// dropped, delayed, reordered or duplicated, beside the segments.
    #[arg(long, value_name = "PATH", conflicts_with = "read")]
    link_events: Option<PathBuf>,
    /// A BPF filter in tcpdump's syntax, e.g. `tcp port 5000`.
    #[arg(value_name = "FILTER")]
    filter: Vec<String>,
    /// A program to run under capture: capture until it exits (plus --grace).
    #[arg(last = true, value_name = "PROGRAM", conflicts_with = "read")]
    program: Vec<String>,
}

fn main() -> ExitCode {
    let cli: Cli = socklab::cli::parse("capture");
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            let usage = e
                .downcast_ref::<CaptureError>()
                .is_some_and(CaptureError::is_usage);
            eprintln!(
                "{}",
                socklab::t!(
                    "capture-error",
                    word = socklab::i18n::help::error_word(),
                    error = socklab::cli::error_line(&e)
                )
            );
            if usage {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Demo(d)) => {
            let opts = Options {
                interface: capture::default_interface().to_string(),
                write: d.write,
                json: d.json,
                svg: d.svg,
                style: style(d.color),
                width: terminal_width(),
                immediate: true,
                ..Options::default()
            };
            demo::run(opts, d.from_file)
        }
        None if cli.opts.quiz => {
            let o = cli.opts;
            let path = o.read.clone().unwrap_or_default();
            // The quiz asks about TCP segments.
            let conn = match o.conn {
                Some(Conversation::Udp(n)) => {
                    anyhow::bail!("{}", socklab::t!("capture-err-quiz-udp", n = n))
                }
                Some(Conversation::Tcp(n)) => Some(n),
                None => None,
            };
            web::quiz::run(
                &path,
                filter_text(&o).as_deref(),
                conn,
                &mut io::stdin().lock(),
                &mut io::stdout().lock(),
            )
            .map(|_score| ())
        }
        Some(Command::Shell { program }) => {
            std::process::exit(socklab::userns::private_shell(&program)?);
        }
        None => {
            let o = cli.opts;
            // The browser view's port is bound in this machine's network,
            // before a private one is entered, so that its browsers reach it.
            let view = o.web.map(|addr| bind_web(addr, &o)).transpose()?;
            // First, while single-threaded: the private network, if asked.
            let _private = socklab::userns::for_capture(o.private)?;
            let children = (!o.program.is_empty()).then(|| Children::program(o.program.clone()));
            let opts = Options {
                interface: o
                    .interface
                    .clone()
                    .unwrap_or_else(|| capture::default_interface().to_string()),
                read: o.read.clone(),
                write: o.write.clone(),
                count: o.count,
                filter: filter_text(&o),
                json: o.json,
                ladder: o.ladder,
                ladder_at_end: false,
                svg: o.svg.clone(),
                conn: o.conn,
                time_scale: o.time_scale,
                all_segments: o.all_segments,
                grace: Duration::from_millis(o.grace),
                style: style(o.color),
                width: terminal_width(),
                immediate: o.immediate_mode || io::stdout().is_terminal(),
                detail: Detail {
                    verbose: o.verbose,
                    hex: match (o.hex_ascii, o.hex) {
                        (true, _) => Hex::HexAscii,
                        (false, true) => Hex::Hex,
                        _ => Hex::None,
                    },
                },
                web: None,
                kernel: !o.no_kernel && o.read.is_none(),
                link_events: o.link_events.clone(),
            };
            let Some(mut view) = view else {
                return run::run(&opts, children).map(|_| ());
            };
            serve_web(&mut view)?;
            let opts = Options {
                web: Some(view.feed()),
                ..opts
            };
            run::run(&opts, children)?;
            let stop = run::interrupted();
            if !stop.load(std::sync::atomic::Ordering::SeqCst) {
                eprintln!("{}", socklab::t!("capture-web-stays-up", url = view.url()));
                view.stay_up(stop);
            }
            Ok(())
        }
    }
}

/// `--web=ADDR:PORT` (or a bare port) as an address.
fn web_addr(given: &str) -> Result<std::net::SocketAddr, String> {
    web::parse_addr(given).map_err(|e| e.to_string())
}

/// Bind the browser view's address.
fn bind_web(addr: std::net::SocketAddr, o: &Opts) -> Result<Web> {
    Ok(Web::bind(web::Config {
        addr,
        lang: socklab::i18n::lang().tag().into(),
        live: o.read.is_none(),
        source: match &o.read {
            Some(p) => p.display().to_string(),
            None => o
                .interface
                .clone()
                .unwrap_or_else(|| capture::default_interface().to_string()),
        },
    })?)
}

/// Serve the browser view and say where.
fn serve_web(view: &mut Web) -> Result<()> {
    view.serve()?;
    if view.read_only() {
        eprintln!("{}", socklab::t!("capture-web-shared", url = view.url()));
    } else {
        eprintln!("{}", socklab::t!("capture-web-local", url = view.url()));
    }
    Ok(())
}

fn style(choice: ColorChoice) -> Style {
    Style {
        color: choice.apply(),
    }
}

fn terminal_width() -> usize {
    use std::os::fd::AsRawFd;
    if let Some(w) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return w;
    }
    // Piped into `less` or `head`, the output is still read on the
    // terminal that stderr (or stdin) is: take its width.
    [
        io::stdout().as_raw_fd(),
        io::stderr().as_raw_fd(),
        io::stdin().as_raw_fd(),
    ]
    .into_iter()
    .find_map(socklab::sys::terminal_width)
    .unwrap_or(socklab::render::DEFAULT_WIDTH)
}

/// `--time-scale=PER_ROW`: a duration from 1 µs to a minute.
fn time_scale(text: &str) -> Result<Duration, String> {
    let d = socklab::cli::parse_duration(text)?;
    if d < Duration::from_micros(1) || d > Duration::from_secs(60) {
        return Err(socklab::t!("capture-err-time-scale", text = text));
    }
    Ok(d)
}

/// The BPF filter: the FILTER words, `--port`, or both joined by `and`.
fn filter_text(opts: &Opts) -> Option<String> {
    let words = opts.filter.join(" ");
    let port = opts.port.map(|p| format!("tcp port {p} or udp port {p}"));
    match (words.trim().is_empty(), port) {
        (true, None) => None,
        (true, Some(p)) => Some(p),
        (false, None) => Some(words),
        (false, Some(p)) => Some(format!("({words}) and ({p})")),
    }
}
