//! The cable between the hosts, emulated by socklab itself.
//!
//! ```text
//!  namespace alice          namespace ...link               namespace bob
//!  veth-alice  <--veth-->  link-alice  [emulator]  link-bob  <--veth-->  veth-bob
//!  10.203.0.1                  AF_PACKET sockets, no addresses          10.203.0.2
//! ```
//!
//! Frames between the hosts cross a middle namespace where a thread reads
//! them from one veth end and writes them to the other, in user space, so
//! the same delay, bandwidth, loss, reordering and duplication work on
//! every kernel (this one has no `netem`). A frame the link drops never
//! reaches the other host's interface: a capture on either host sees
//! exactly what arrived there, as on a real network.
//!
//! | module       | what it holds                                                   | pure? |
//! |--------------|-----------------------------------------------------------------|-------|
//! | [`model`]    | one direction: queue and rate, loss, delay, duplication, reordering | yes |
//! | [`event`]    | the JSON datagram of each thing the link did (docs/protocol.md)  | yes   |
//! | [`emulator`] | the forwarding thread, its sockets, counts and events           | I/O   |
//! | [`control`]  | the control socket of a running network (status, set, stop)     | I/O   |
//!
//! The option parsers below are shared by `twohost` and `tcp_vs_udp`, so
//! that both accept and refuse the same values with the same words.

pub mod control;
pub mod emulator;
pub mod event;
pub mod model;

use std::time::Duration;

use crate::i18n::{self, Lang};
use crate::t;

pub use emulator::{Link, LinkSpec, Port, Snapshot, Watch, IPPROTO_TCP, IPPROTO_UDP};
pub use model::{Impairments, Stats};

/// The longest delay (and jitter) accepted: beyond, a typo rather than a network.
pub const MAX_DELAY: Duration = Duration::from_secs(60);
/// The slowest rate accepted, in bits per second (a full frame takes 12 s).
pub const MIN_RATE: u64 = 1_000;
/// The fastest rate accepted (100 Gbit/s: faster than the emulator anyway).
pub const MAX_RATE: u64 = 100_000_000_000;
/// The largest `--queue`, in frames.
pub const MAX_QUEUE: usize = 100_000;
/// The longest mean burst, in frames.
pub const MAX_BURST: f64 = 10_000.0;

/// The hosts a direction may name (`alice-to-bob`).
pub const HOSTS: [&str; 3] = ["alice", "bob", "carol"];

/// A link option's value: the same for both directions (`--delay 50ms`),
/// or one for each direction named (`--delay
/// alice-to-bob=50ms,bob-to-alice=5ms`); a direction not named keeps what
/// it had.
#[derive(Clone, Debug, PartialEq)]
pub struct Directed<T> {
    /// The value for every direction.
    pub both: Option<T>,
    /// `(from, to, value)` for the directions named.
    pub each: Vec<(String, String, T)>,
}

/// `from->to`, the name of a direction in `twohost status --json`.
pub fn direction_key(from: &str, to: &str) -> String {
    format!("{from}->{to}")
}

/// Parse a link option's value with `parse`: `VALUE` for both directions,
/// or `FROM-to-TO=VALUE,...` for each.
pub fn parse_directed<T>(
    text: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Directed<T>, String> {
    if !text.contains('=') {
        return Ok(Directed {
            both: Some(parse(text)?),
            each: Vec::new(),
        });
    }
    let mut each: Vec<(String, String, T)> = Vec::new();
    for item in text.split(',') {
        let bad = || t!("twohost-link-bad-direction", text = item.trim());
        let (direction, value) = item.split_once('=').ok_or_else(bad)?;
        let (from, to) = direction
            .trim()
            .split_once("-to-")
            .filter(|(f, t)| HOSTS.contains(f) && HOSTS.contains(t) && f != t)
            .ok_or_else(bad)?;
        if each.iter().any(|(f, t, _)| f == from && t == to) {
            return Err(t!(
                "twohost-link-direction-twice",
                direction = direction.trim()
            ));
        }
        each.push((from.to_string(), to.to_string(), parse(value)?));
    }
    Ok(Directed { both: None, each })
}

/// A delay or jitter: `50ms`, `0.5s`, `200us`, `1` (seconds); 0 to 60 s.
pub fn parse_delay(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    let (number, scale) = if let Some(n) = s.strip_suffix("us") {
        (n, 1e-6)
    } else if let Some(n) = s.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else {
        (s, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| t!("twohost-link-bad-delay", text = text))?;
    if !value.is_finite() || value < 0.0 {
        return Err(t!("twohost-link-negative-delay", text = text));
    }
    let d = Duration::from_secs_f64(value * scale);
    if d > MAX_DELAY {
        return Err(t!("twohost-link-delay-too-long", text = text));
    }
    Ok(d)
}

/// A bandwidth as `tc` writes it: `10mbit`, `512kbit`, `1gbit`, `64000bit`
/// (bits per second; also `kbps`/`mbps`/`gbps` for bytes per second).
pub fn parse_rate(text: &str) -> Result<u64, String> {
    let s = text.trim().to_ascii_lowercase();
    let units: [(&str, f64); 8] = [
        ("gbit", 1e9),
        ("mbit", 1e6),
        ("kbit", 1e3),
        ("bit", 1.0),
        ("gbps", 8e9),
        ("mbps", 8e6),
        ("kbps", 8e3),
        ("bps", 8.0),
    ];
    let bad = || t!("twohost-link-bad-rate", text = text);
    let (number, scale) = units
        .iter()
        .find_map(|(unit, scale)| s.strip_suffix(unit).map(|n| (n, *scale)))
        .ok_or_else(bad)?;
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() || value <= 0.0 {
        return Err(t!("twohost-link-rate-not-positive", text = text));
    }
    let bps = value * scale;
    if bps < MIN_RATE as f64 {
        return Err(t!("twohost-link-rate-too-low", text = text));
    }
    if bps > MAX_RATE as f64 {
        return Err(t!("twohost-link-rate-too-high", text = text));
    }
    Ok(bps.round() as u64)
}

/// A percentage from 0 to 100 (`2`, `2.5`, `2%`).
pub fn parse_percent(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| t!("twohost-link-bad-percent", text = text))?;
    if (0.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(t!("twohost-link-percent-range", value = number(value)))
    }
}

/// `--burst`: the mean length of a burst of losses, in frames (1 to 10000).
pub fn parse_burst(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| t!("twohost-link-bad-burst", text = text))?;
    if (1.0..=MAX_BURST).contains(&value) {
        Ok(value)
    } else {
        Err(t!(
            "twohost-link-burst-range",
            value = number(value),
            max = MAX_BURST as u64
        ))
    }
}

/// `--queue`: frames the queue in front of the rate limit holds.
pub fn parse_queue(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_QUEUE).contains(&n) => Ok(n),
        _ => Err(t!("twohost-link-bad-queue", text = text, max = MAX_QUEUE)),
    }
}

/// Check a whole set of impairments (the parsers check each value; this
/// checks how they go together). The message says what to change.
pub fn check(cfg: &Impairments) -> Result<(), String> {
    if cfg.burst.is_some() && cfg.loss_percent == 0.0 {
        return Err(t!("twohost-link-burst-needs-loss"));
    }
    if let Some(b) = cfg.burst {
        let loss = cfg.loss_percent / 100.0;
        if loss < 1.0 && loss / (1.0 - loss) / b > 1.0 {
            return Err(t!(
                "twohost-link-burst-too-short",
                loss = number(cfg.loss_percent),
                burst = number(b),
                // What to type: a command-line value keeps its `.`.
                min = format!("{:.1}", loss / (1.0 - loss))
            ));
        }
    }
    if cfg.reorder_gap == 0 {
        return Err(t!("twohost-link-reorder-gap"));
    }
    Ok(())
}

/// A number for people, as short as it is exact (`2`, `2.5`), with the
/// decimal separator of `lang` (`2,5`).
pub fn number_in(lang: Lang, x: f64) -> String {
    let text = x.to_string();
    match lang.decimal_separator() {
        '.' => text,
        sep => text.replace('.', &sep.to_string()),
    }
}

/// [`number_in`] in the process's language.
fn number(x: f64) -> String {
    number_in(i18n::lang(), x)
}

/// A rate for people: `10 Mbit/s`.
pub fn rate_text(bps: u64) -> String {
    rate_text_in(i18n::lang(), bps)
}

/// [`rate_text`] in `lang`: `1,5 Gbit/s`.
pub fn rate_text_in(lang: Lang, bps: u64) -> String {
    let (v, unit) = if bps >= 1_000_000_000 {
        (bps as f64 / 1e9, "Gbit/s")
    } else if bps >= 1_000_000 {
        (bps as f64 / 1e6, "Mbit/s")
    } else {
        (bps as f64 / 1e3, "kbit/s")
    };
    format!("{} {unit}", number_in(lang, (v * 1000.0).round() / 1000.0))
}

/// A duration for people: `50 ms`, `200 µs`, `1.5 s`.
pub fn duration_text(d: Duration) -> String {
    duration_text_in(i18n::lang(), d)
}

/// [`duration_text`] in `lang`: `1,5 s`.
pub fn duration_text_in(lang: Lang, d: Duration) -> String {
    let us = d.as_micros();
    if us >= 1_000_000 {
        let s = (d.as_secs_f64() * 1000.0).round() / 1000.0;
        format!("{} s", number_in(lang, s))
    } else if us >= 1000 {
        format!("{} ms", number_in(lang, (us as f64 / 10.0).round() / 100.0))
    } else {
        format!("{us} µs")
    }
}

/// What the cable does, in one line: `delay 50 ms ± 5 ms, 10 Mbit/s
/// (queue 100), loss 2 %, reorder 1 %, duplicate 1 %` or `a perfect cable`.
pub fn describe(cfg: &Impairments) -> String {
    describe_in(i18n::lang(), cfg)
}

/// [`describe`] in `lang`.
pub fn describe_in(lang: Lang, cfg: &Impairments) -> String {
    describe_with(lang, cfg, false)
}

/// What one direction of the cable does (its delay is this way's only,
/// not "each way"), in the process's language.
pub fn describe_direction(cfg: &Impairments) -> String {
    describe_with(i18n::lang(), cfg, true)
}

fn describe_with(lang: Lang, cfg: &Impairments, one_way: bool) -> String {
    let tr = |id: &str, args: &[(&str, i18n::Arg<'_>)]| i18n::tr_in(lang, id, args);
    let text = |s: String| i18n::Arg::from(s);
    let pct = |p: f64| format!("{} %", number_in(lang, (p * 100.0).round() / 100.0));
    let mut parts = Vec::new();
    if !cfg.delay.is_zero() || !cfg.jitter.is_zero() {
        let delay = text(duration_text_in(lang, cfg.delay));
        parts.push(if cfg.jitter.is_zero() {
            let id = if one_way {
                "twohost-link-delay-one-way"
            } else {
                "twohost-link-delay"
            };
            tr(id, &[("delay", delay)])
        } else {
            let jitter = text(duration_text_in(lang, cfg.jitter));
            tr(
                if one_way {
                    "twohost-link-delay-jitter-one-way"
                } else {
                    "twohost-link-delay-jitter"
                },
                &[("delay", delay), ("jitter", jitter)],
            )
        });
    }
    if let Some(r) = cfg.rate_bps {
        parts.push(tr(
            "twohost-link-rate",
            &[
                ("rate", text(rate_text_in(lang, r))),
                ("queue", cfg.queue.into()),
            ],
        ));
    }
    if cfg.loss_percent > 0.0 {
        let percent = text(pct(cfg.loss_percent));
        parts.push(match cfg.burst {
            None => tr("twohost-link-loss", &[("percent", percent)]),
            Some(b) => tr(
                "twohost-link-loss-burst",
                &[("percent", percent), ("burst", text(number_in(lang, b)))],
            ),
        });
    }
    if cfg.reorder_percent > 0.0 {
        parts.push(tr(
            "twohost-link-reorder",
            &[
                ("percent", text(pct(cfg.reorder_percent))),
                ("gap", cfg.reorder_gap.into()),
            ],
        ));
    }
    if cfg.duplicate_percent > 0.0 {
        parts.push(tr(
            "twohost-link-duplicate",
            &[("percent", text(pct(cfg.duplicate_percent)))],
        ));
    }
    if parts.is_empty() {
        tr("twohost-link-perfect", &[])
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_for_both_directions_or_one_per_direction() {
        let both = parse_directed("50ms", parse_delay).unwrap();
        assert_eq!(both.both, Some(Duration::from_millis(50)));
        assert!(both.each.is_empty());
        let each = parse_directed("alice-to-bob=50ms, bob-to-alice=5ms", parse_delay).unwrap();
        assert_eq!(each.both, None);
        assert_eq!(
            each.each,
            [
                ("alice".into(), "bob".into(), Duration::from_millis(50)),
                ("bob".into(), "alice".into(), Duration::from_millis(5)),
            ]
        );
        // Each value is checked as the plain option checks it.
        assert!(parse_directed("alice-to-bob=-1ms", parse_delay).is_err());
        assert!(parse_directed("bob-to-alice=101", parse_percent).is_err());
        for bad in [
            "alice=5ms",
            "alice-to-dave=5ms",
            "bob-to-bob=5ms",
            "alice-to-bob=5ms,",
        ] {
            assert!(parse_directed(bad, parse_delay).is_err(), "{bad}");
        }
        assert!(parse_directed("alice-to-bob=1,alice-to-bob=2", parse_percent).is_err());
    }

    #[test]
    fn delays_in_the_units_people_type() {
        assert_eq!(parse_delay("50ms"), Ok(Duration::from_millis(50)));
        assert_eq!(parse_delay("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_delay("200us"), Ok(Duration::from_micros(200)));
        assert_eq!(parse_delay("0"), Ok(Duration::ZERO));
        assert_eq!(parse_delay("60s"), Ok(MAX_DELAY));
        assert!(parse_delay("-5ms").unwrap_err().contains("negative"));
        assert!(parse_delay("61s")
            .unwrap_err()
            .contains("longer than a minute"));
        assert!(parse_delay("fast").unwrap_err().contains("not a delay"));
        assert!(parse_delay("NaNms").is_err());
    }

    #[test]
    fn rates_as_tc_writes_them() {
        assert_eq!(parse_rate("10mbit"), Ok(10_000_000));
        assert_eq!(parse_rate("10Mbit"), Ok(10_000_000));
        assert_eq!(parse_rate("1.5gbit"), Ok(1_500_000_000));
        assert_eq!(parse_rate("512kbit"), Ok(512_000));
        assert_eq!(parse_rate("1mbps"), Ok(8_000_000), "bytes per second");
        assert!(parse_rate("0mbit").unwrap_err().contains("above 0"));
        assert!(parse_rate("-1mbit").unwrap_err().contains("above 0"));
        assert!(parse_rate("10").unwrap_err().contains("not a rate"));
        assert!(parse_rate("10bit").unwrap_err().contains("below 1kbit"));
        assert!(parse_rate("1000gbit").is_err());
    }

    #[test]
    fn percentages_and_bursts() {
        assert_eq!(parse_percent("2"), Ok(2.0));
        assert_eq!(parse_percent("2.5%"), Ok(2.5));
        assert!(parse_percent("101").is_err());
        assert!(parse_percent("-1").is_err());
        assert!(parse_percent("NaN").is_err());
        assert_eq!(parse_burst("3"), Ok(3.0));
        assert!(parse_burst("0.5").is_err());
        assert_eq!(parse_queue("100"), Ok(100));
        assert!(parse_queue("0").is_err());
    }

    #[test]
    fn bursts_need_a_loss_they_can_make() {
        let mut cfg = Impairments {
            burst: Some(3.0),
            ..Impairments::default()
        };
        assert!(check(&cfg).unwrap_err().contains("give a --loss"));
        cfg.loss_percent = 2.0;
        assert!(check(&cfg).is_ok());
        cfg.loss_percent = 90.0;
        cfg.burst = Some(2.0);
        assert!(check(&cfg).unwrap_err().contains("--burst 9.0 or more"));
    }

    #[test]
    fn a_description_says_everything_set() {
        assert!(describe(&Impairments::default()).starts_with("a perfect cable"));
        let cfg = Impairments {
            delay: Duration::from_millis(50),
            jitter: Duration::from_millis(5),
            rate_bps: Some(10_000_000),
            loss_percent: 2.0,
            reorder_percent: 1.0,
            duplicate_percent: 1.0,
            ..Impairments::default()
        };
        assert_eq!(
            describe(&cfg),
            "delay 50 ms ± 5 ms each way, 10 Mbit/s (queue of 100 frames), loss 2 %, reorder 1 % (held behind 2 later frames), duplicate 1 %"
        );
    }
}
