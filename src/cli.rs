//! Command-line pieces shared by every binary: the common options, `--color`,
//! sizes such as `64K` and durations such as `500ms`, and how a program's
//! outcome becomes its exit code.
//!
//! Exit codes follow the house rule: 0 success, 1 runtime failure (one line on
//! stderr, `prog: error: what happened: what to do`), 2 usage error (clap's own
//! message). A closed stdout (`tcp_server | head`) is success: the
//! [`crate::narrate::Narrator`] exits quietly with 0 when its reader is gone.

use std::ffi::OsStr;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::i18n::Lang;
use crate::narrate::Narrator;

/// Environment variable that turns colour off (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";

/// When to colour the output: `--color auto|always|never`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour only on a terminal, and only if `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    /// Colour even into a pipe or a file, and even with `NO_COLOR` set.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour, given whether the stream is a terminal and the value
    /// of `NO_COLOR` (no-color.org: set and non-empty disables `auto`).
    pub fn enabled(self, is_terminal: bool, no_color: Option<&OsStr>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && !matches!(no_color, Some(v) if !v.is_empty()),
        }
    }

    /// Decide for stdout, tell `colored` (which formats lazily, at print
    /// time) and return the decision.
    pub fn apply(self) -> bool {
        let on = self.enabled(
            std::io::stdout().is_terminal(),
            std::env::var_os(NO_COLOR).as_deref(),
        );
        colored::control::set_override(on);
        on
    }
}

/// Options every lab program takes. The port is declared by each program,
/// because the TCP and UDP programs have different defaults.
#[derive(Args, Clone, Debug)]
pub struct CommonArgs {
    /// Host name or address, resolved with getaddrinfo (e.g. localhost, 127.0.0.1, ::1)
    #[arg(long, default_value = "127.0.0.1", value_name = "HOST")]
    pub host: String,

    /// Print only the program's own output (messages, replies, reports), not the narration
    #[arg(long, short)]
    pub quiet: bool,

    /// Colour the narration: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    #[command(flatten)]
    pub lang: LangArg,
}

/// `--lang en|pt-BR`, which every program takes. The language is chosen
/// before the command line is parsed ([`parse`]), so that even `--help`
/// speaks it; this argument is here so that `--help` lists it and a
/// misspelt value is a usage error.
#[derive(Args, Clone, Debug, Default)]
pub struct LangArg {
    /// Language of the messages: en or pt-BR (default: the environment's, LC_ALL, LC_MESSAGES or LANG)
    #[arg(long, value_name = "LANG", value_parser = parse_lang, global = true)]
    pub lang: Option<Lang>,
}

/// Parse `--lang`'s value. For clap's `value_parser`.
pub fn parse_lang(text: &str) -> Result<Lang, String> {
    Lang::parse(text).ok_or_else(|| crate::t!("cli-not-a-language", text = text))
}

/// Choose the process's language ([`crate::i18n::init`]) and parse the
/// command line of program `prog` as `A`, with `--help` and usage errors
/// in that language.
pub fn parse<A: clap::Parser>(prog: &str) -> A {
    crate::i18n::init();
    crate::i18n::help::parse::<A>(prog)
}

impl CommonArgs {
    /// The narrator for program `prog`, with `--quiet` and `--color` applied.
    pub fn narrator(&self, prog: &str) -> Narrator {
        Narrator::new(prog, self.quiet, self.color.apply())
    }

    /// Narrate the calls of program `prog` (its [`crate::lab`] sockets)
    /// with `--quiet` and `--color` applied.
    pub fn start(&self, prog: &str) {
        crate::lab::start(self.narrator(prog));
    }
}

/// The arguments of a lab program, which hold the [`CommonArgs`].
pub trait LabArgs: clap::Parser {
    /// `--host`, `--quiet`, `--color`.
    fn common(&self) -> &CommonArgs;
}

/// The `main` of a lab program `prog`: parse its arguments, narrate its
/// calls with `--quiet` and `--color` applied, run `run` and turn its
/// outcome into the exit code ([`run_main`]).
pub fn run_lab<A: LabArgs>(prog: &str, run: impl FnOnce(A) -> anyhow::Result<()>) -> ExitCode {
    let args = parse::<A>(prog);
    args.common().start(prog);
    run_main(prog, || run(args))
}

/// Parse a byte count such as `100`, `64K`, `1M`, `1G` (binary multiples:
/// K = 1024). A trailing `B` or `iB` is accepted (`64KiB`). For clap's
/// `value_parser`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let not_a_size = || crate::t!("cli-not-a-size", text = text);
    let s = text.trim();
    let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, suffix) = s.split_at(digits_end);
    let number: u64 = digits.parse().map_err(|_| not_a_size())?;
    let multiplier: u64 = match suffix.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return Err(not_a_size()),
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| crate::t!("cli-size-too-large", text = text))
}

/// Parse a duration such as `1`, `2.5` (seconds), `500ms` or `3s`; a
/// decimal comma is read as a point (`2,5`: Portuguese writes it so).
/// For clap's `value_parser`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    let (number, scale) = if let Some(ms) = s.strip_suffix("ms") {
        (ms, 1e-3)
    } else {
        (s.strip_suffix('s').unwrap_or(s), 1.0)
    };
    let value: f64 = number
        .trim()
        .replace(',', ".")
        .parse()
        .map_err(|_| crate::t!("cli-not-a-duration", text = text))?;
    Duration::try_from_secs_f64(value * scale)
        .map_err(|_| crate::t!("cli-unusable-duration", text = text))
}

/// Parse a timeout: a duration as [`parse_duration`], above zero (a socket
/// timeout of 0 would mean "wait for ever"). For clap's `value_parser`.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        Duration::ZERO => Err(crate::t!("cli-zero-timeout", text = text)),
        timeout => Ok(timeout),
    }
}

/// Run a program's `run` and turn its outcome into the exit code: 0 on
/// success; on failure one line `prog: error: <chain joined with ": ">` on
/// stderr and 1. Usage errors never get here: clap prints them and exits 2.
pub fn run_main(prog: &str, run: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // stderr may be closed too; there is nobody left to tell.
            let _ = writeln!(
                std::io::stderr(),
                "{prog}: {}: {}",
                crate::i18n::help::error_word(),
                error_line(&error)
            );
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes on one line, joined with `": "`. A cause whose
/// text the line already holds is skipped, and line breaks become spaces.
pub fn error_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_disables_auto_but_not_always() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(ColorChoice::Auto.enabled(true, None));
        assert!(
            ColorChoice::Auto.enabled(true, empty),
            "empty NO_COLOR is ignored"
        );
        assert!(!ColorChoice::Auto.enabled(true, set));
        assert!(
            !ColorChoice::Auto.enabled(false, None),
            "no colour into a pipe"
        );
        assert!(ColorChoice::Always.enabled(false, set));
        assert!(!ColorChoice::Never.enabled(true, None));
    }

    #[test]
    fn sizes_are_binary_multiples() {
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("64K"), Ok(65_536));
        assert_eq!(parse_size("64k"), Ok(65_536));
        assert_eq!(parse_size("1M"), Ok(1 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("64KiB"), Ok(65_536));
        assert_eq!(parse_size("2MB"), Ok(2 << 20));
        assert!(parse_size("1X").unwrap_err().contains("K, M or G"));
        assert!(parse_size("lots").unwrap_err().contains("is not a size"));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("-1K").is_err());
        assert!(parse_size("99999999999T")
            .unwrap_err()
            .contains("too large"));
    }

    #[test]
    fn durations_in_seconds_or_milliseconds() {
        assert_eq!(parse_duration("1"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_duration("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_duration("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2,5"), Ok(Duration::from_millis(2500)));
        assert!(parse_duration("1,2,3").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1").is_err());
        assert_eq!(parse_timeout("90s"), Ok(Duration::from_secs(90)));
        assert!(parse_timeout("0").unwrap_err().contains("above 0"));
    }

    #[test]
    fn error_chain_is_one_line_without_repeats() {
        let io = std::io::Error::other("disk\non fire");
        let err = anyhow::Error::new(io).context("saving the capture");
        assert_eq!(error_line(&err), "saving the capture: disk on fire");
        let repeated = anyhow::anyhow!("bind 127.0.0.1:5000: address already in use")
            .context("bind 127.0.0.1:5000: address already in use: stop the other server");
        assert_eq!(
            error_line(&repeated),
            "bind 127.0.0.1:5000: address already in use: stop the other server"
        );
    }
}
