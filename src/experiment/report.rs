//! One protocol's result in one run, and the ways it is shown: a JSON
//! object for scripts, a table row for people, and a sentence saying what
//! the numbers mean. Pure.

use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};
use serde_json::{json, Value};

use super::endpoint::{Received, Sent};
use super::tally::loss_interval_95;
use super::{Proto, Scenario, Workload};
use crate::i18n::{decimal_in, lang, tr_in, Arg, Lang};

/// iperf3's own count of lost UDP datagrams on the same link.
#[derive(Clone, Debug, PartialEq)]
pub struct Iperf3Udp {
    /// `end.sum.lost_percent` of `iperf3 -u -J`.
    pub lost_percent: f64,
    /// `end.sum.lost_packets`.
    pub lost_packets: u64,
    /// `end.sum.packets`.
    pub packets: u64,
    /// Runs of iperf3 it took to get a result (see `lossy::run_iperf3`).
    pub attempts: u32,
}

/// The workload sent once over one protocol, and what came of it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProtoRun {
    pub proto: Proto,
    pub scenario: Scenario,
    /// The link's configured loss (0 in the overload scenario), percent.
    pub loss_percent: f64,
    /// The link's one-way delay (zero in the overload scenario).
    pub delay: std::time::Duration,
    /// The link's bandwidth limit, bits per second (`None`: no limit).
    pub link_rate_bps: Option<u64>,
    pub workload: Workload,
    pub sent: Sent,
    pub received: Received,
    /// Lossy scenario: packets the loss rule dropped during the run, on the
    /// way to the receiver and on the way back to the sender.
    pub link_drops: Option<(u64, u64)>,
    /// Lossy scenario with `--iperf3`, UDP only.
    pub iperf3: Option<Iperf3Udp>,
}

impl ProtoRun {
    /// Distinct messages received.
    pub fn delivered(&self) -> u64 {
        self.received.summary.delivered
    }

    /// Messages sent and never received.
    pub fn lost(&self) -> u64 {
        self.sent.sent.saturating_sub(self.delivered())
    }

    /// Lost, as a percentage of the messages sent.
    pub fn lost_percent(&self) -> f64 {
        percent(self.lost(), self.sent.sent)
    }

    /// Delivered, as a percentage of the messages sent.
    pub fn delivered_percent(&self) -> f64 {
        percent(self.delivered(), self.sent.sent)
    }

    /// Seconds from the first send to the last receive (none if nothing arrived).
    pub fn elapsed_s(&self) -> Option<f64> {
        let first = self.sent.first_send_ns?;
        let last = self.received.summary.last_recv_ns?;
        Some(last.saturating_sub(first) as f64 / 1e9)
    }

    /// Megabits per second of messages delivered (payload, not headers).
    pub fn throughput_mbps(&self) -> Option<f64> {
        let elapsed = self.elapsed_s().filter(|e| *e > 0.0)?;
        Some(self.delivered() as f64 * self.workload.size as f64 * 8.0 / elapsed / 1e6)
    }

    /// UDP: end markers and warm-up datagrams that did not arrive. The
    /// kernel's drop counters count these as well as the messages.
    pub fn control_datagrams_lost(&self) -> Option<u64> {
        (self.proto == Proto::Udp).then(|| {
            let sent = u64::from(super::endpoint::END_REPEATS + super::endpoint::WARMUP_DATAGRAMS);
            sent.saturating_sub(self.received.end_markers + self.received.warmups)
        })
    }

    /// Lossy UDP: the 95% interval of the loss the link alone would give
    /// over this many messages, in percent.
    pub fn expected_loss_interval(&self) -> Option<(f64, f64)> {
        (self.scenario == Scenario::Lossy && self.proto == Proto::Udp).then(|| {
            let (lo, hi) = loss_interval_95(self.loss_percent / 100.0, self.sent.sent);
            (lo * 100.0, hi * 100.0)
        })
    }

    /// Lossy UDP: true when the measured loss lies in the 95% interval.
    pub fn loss_within_interval(&self) -> Option<bool> {
        let (lo, hi) = self.expected_loss_interval()?;
        let measured = self.lost_percent();
        // A little slack for the rounding of percentages.
        Some(measured >= lo - 1e-9 && measured <= hi + 1e-9)
    }

    /// The JSON object `--json` prints, one per protocol per run.
    pub fn to_json(&self) -> Value {
        let w = &self.workload;
        let s = &self.received.summary;
        let interval = self.expected_loss_interval();
        let tcp = self.proto == Proto::Tcp;
        json!({
            "proto": self.proto.as_str(),
            "scenario": self.scenario.as_str(),
            "loss_percent": self.loss_percent,
            "delay_ms": self.delay.as_secs_f64() * 1000.0,
            "link_rate_bps": self.link_rate_bps,
            "messages": w.messages,
            "size": w.size,
            "rate": w.rate,
            "recv_delay_ms": w.recv_delay.as_secs_f64() * 1e3,
            "sent": self.sent.sent,
            "delivered": self.delivered(),
            "lost": self.lost(),
            "lost_percent_measured": self.lost_percent(),
            "duplicated": s.duplicated,
            "reordered": s.reordered,
            "elapsed_s": self.elapsed_s(),
            "throughput_mbps": self.throughput_mbps(),
            "p50_ms": s.p50_ms,
            "p99_ms": s.p99_ms,
            "retransmissions": if tcp { self.sent.retransmissions } else { None },
            "spurious_retransmissions": if tcp { self.sent.spurious_retransmissions } else { None },
            "connect_ms": self.sent.connect_ms,
            "rcvbuf_errors": if tcp { None } else { self.received.rcvbuf_errors },
            "socket_drops": if tcp { None } else { self.received.socket_drops },
            "rcvbuf_bytes": self.received.rcvbuf_bytes,
            "end_marker_seen": if tcp { None } else { Some(self.received.end_marker) },
            "markers_lost": self.control_datagrams_lost(),
            "expected_loss_low": interval.map(|i| i.0),
            "expected_loss_high": interval.map(|i| i.1),
            "loss_within_interval": self.loss_within_interval(),
            "link_drops_to_receiver": self.link_drops.map(|d| d.0),
            "link_drops_to_sender": self.link_drops.map(|d| d.1),
            "iperf3_lost_percent": self.iperf3.as_ref().map(|i| i.lost_percent),
            "iperf3_lost_packets": self.iperf3.as_ref().map(|i| i.lost_packets),
            "iperf3_packets": self.iperf3.as_ref().map(|i| i.packets),
            "iperf3_attempts": self.iperf3.as_ref().map(|i| i.attempts),
        })
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// `1.234 s`, `56.7 ms`, `-`.
pub fn seconds_text(s: Option<f64>) -> String {
    seconds_text_in(lang(), s)
}

/// [`seconds_text`] in `lang` (`1,234 s`).
pub fn seconds_text_in(lang: Lang, s: Option<f64>) -> String {
    match s {
        None => "-".into(),
        Some(s) if s >= 1.0 => format!("{} s", decimal_in(lang, s, 3)),
        Some(s) => format!("{} ms", decimal_in(lang, s * 1e3, 1)),
    }
}

/// `0.052 ms`, `12.3 ms`, `1.25 s`, `-`.
pub fn millis_text(ms: Option<f64>) -> String {
    millis_text_in(lang(), ms)
}

/// [`millis_text`] in `lang` (`0,052 ms`).
pub fn millis_text_in(lang: Lang, ms: Option<f64>) -> String {
    match ms {
        None => "-".into(),
        Some(ms) if ms >= 1000.0 => format!("{} s", decimal_in(lang, ms / 1e3, 2)),
        Some(ms) if ms >= 10.0 => format!("{} ms", decimal_in(lang, ms, 1)),
        Some(ms) => format!("{} ms", decimal_in(lang, ms, 3)),
    }
}

/// What the kernel says about the run, for the table's last column.
fn kernel_text(lang: Lang, r: &ProtoRun) -> String {
    match r.proto {
        Proto::Tcp => match r.sent.retransmissions {
            Some(n) => tr_in(lang, "exp-cell-retransmitted", &[("n", n.into())]),
            None => "-".into(),
        },
        Proto::Udp => {
            let mut parts = Vec::new();
            if let Some(e) = r.received.rcvbuf_errors {
                parts.push(format!("RcvbufErrors +{e}"));
            }
            if let Some((to_receiver, _)) = r.link_drops {
                parts.push(tr_in(
                    lang,
                    "exp-cell-link-dropped",
                    &[("n", to_receiver.into())],
                ));
            }
            if parts.is_empty() {
                "-".into()
            } else {
                parts.join(", ")
            }
        }
    }
}

/// The results as a table, one row per protocol per run.
pub fn table(runs: &[ProtoRun], color: bool) -> String {
    table_in(lang(), runs, color)
}

/// [`table`] in `lang`.
pub fn table_in(lang: Lang, runs: &[ProtoRun], color: bool) -> String {
    let tr = |id: &str| tr_in(lang, id, &[]);
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if !color {
        t.force_no_tty();
    }
    t.set_header(
        [
            "exp-col-link-loss",
            "exp-col-proto",
            "exp-col-sent",
            "exp-col-delivered",
            "exp-col-lost",
            "exp-col-dup",
            "exp-col-out-of-order",
            "exp-col-elapsed",
            "exp-col-mbits",
            "exp-col-p50",
            "exp-col-p99",
            "exp-col-kernel",
        ]
        .map(tr),
    );
    for r in runs {
        let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
        let loss = || Arg::from(trim_float_in(lang, r.loss_percent));
        let link = match r.scenario {
            Scenario::Overload => tr("exp-cell-loopback"),
            Scenario::Lossy if r.delay.is_zero() => {
                tr_in(lang, "exp-cell-loss", &[("loss", loss())])
            }
            Scenario::Lossy => tr_in(
                lang,
                "exp-cell-loss-rtt",
                &[
                    ("loss", loss()),
                    (
                        "rtt",
                        trim_float_in(lang, 2.0 * r.delay.as_secs_f64() * 1000.0).into(),
                    ),
                ],
            ),
        };
        t.add_row(vec![
            right(link),
            Cell::new(r.proto.upper()),
            right(r.sent.sent.to_string()),
            right(format!(
                "{} ({}%)",
                r.delivered(),
                decimal_in(lang, r.delivered_percent(), 1)
            )),
            right(format!(
                "{} ({}%)",
                r.lost(),
                decimal_in(lang, r.lost_percent(), 2)
            )),
            right(r.received.summary.duplicated.to_string()),
            right(r.received.summary.reordered.to_string()),
            right(seconds_text_in(lang, r.elapsed_s())),
            right(
                r.throughput_mbps()
                    .map_or("-".into(), |m| decimal_in(lang, m, 1)),
            ),
            right(millis_text_in(lang, r.received.summary.p50_ms)),
            right(millis_text_in(lang, r.received.summary.p99_ms)),
            Cell::new(kernel_text(lang, r)),
        ]);
    }
    t.to_string()
}

/// `10`, `2.5`: a percentage without trailing zeros.
pub fn trim_float(x: f64) -> String {
    trim_float_in(Lang::En, x)
}

/// [`trim_float`] with `lang`'s decimal separator (`2,5`).
pub fn trim_float_in(lang: Lang, x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    match lang.decimal_separator() {
        '.' => s.to_string(),
        sep => s.replace('.', &sep.to_string()),
    }
}

/// What the kernel's counters say about a UDP overload run.
#[derive(Clone, Debug, PartialEq)]
pub enum KernelDrops {
    /// This socket's own drop count, and the machine's `RcvbufErrors`
    /// growth; `markers`: end or warm-up markers among the drops (only
    /// when some were lost).
    Socket {
        drops: u64,
        rcvbuf_errors: u64,
        markers: Option<u64>,
    },
    /// Only the machine's `RcvbufErrors` growth.
    Machine { rcvbuf_errors: u64 },
    /// Neither counter could be read.
    Unknown,
}

/// What one protocol's run means, as a fact: [`findings`] makes them,
/// [`Finding::sentence_in`] says them.
#[derive(Clone, Debug, PartialEq)]
pub enum Finding {
    /// UDP over the lossy link: the measured loss against the 95 % interval.
    UdpOnLossyLink {
        loss_percent: f64,
        lost_percent: f64,
        sent: u64,
        interval: (f64, f64),
        inside: bool,
        /// Datagrams the receiver's full buffer dropped (when any were).
        buffer_drops: Option<u64>,
    },
    /// iperf3's loss on the same link, beside ours.
    Iperf3 {
        lost_percent: f64,
        lost_packets: u64,
        packets: u64,
        ours_percent: f64,
    },
    /// TCP over the lossy link: everything delivered, at a cost in time.
    TcpOnLossyLink {
        loss_percent: f64,
        delivered: u64,
        sent: u64,
        elapsed_s: Option<f64>,
        retransmissions: Option<u64>,
        connect_ms: Option<f64>,
    },
    /// UDP against a slow receiver on loopback.
    UdpOverload {
        lost: u64,
        sent: u64,
        kernel: KernelDrops,
    },
    /// TCP against a receiver on loopback; `held_back`: the receiver was
    /// slowed down, so flow control set the pace.
    TcpOverload {
        lost: u64,
        sent: u64,
        elapsed_s: Option<f64>,
        held_back: bool,
    },
}

/// The findings of the runs, one per protocol per run (two for a UDP run
/// measured with iperf3 too).
pub fn findings(runs: &[ProtoRun]) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in runs {
        match (r.scenario, r.proto) {
            (Scenario::Lossy, Proto::Udp) => {
                out.push(Finding::UdpOnLossyLink {
                    loss_percent: r.loss_percent,
                    lost_percent: r.lost_percent(),
                    sent: r.sent.sent,
                    interval: r.expected_loss_interval().unwrap_or((0.0, 0.0)),
                    inside: r.loss_within_interval().unwrap_or(false),
                    buffer_drops: r.received.rcvbuf_errors.filter(|e| *e > 0),
                });
                if let Some(i) = &r.iperf3 {
                    out.push(Finding::Iperf3 {
                        lost_percent: i.lost_percent,
                        lost_packets: i.lost_packets,
                        packets: i.packets,
                        ours_percent: r.lost_percent(),
                    });
                }
            }
            (Scenario::Lossy, Proto::Tcp) => out.push(Finding::TcpOnLossyLink {
                loss_percent: r.loss_percent,
                delivered: r.delivered(),
                sent: r.sent.sent,
                elapsed_s: r.elapsed_s(),
                retransmissions: r.sent.retransmissions,
                connect_ms: r.sent.connect_ms,
            }),
            (Scenario::Overload, Proto::Udp) => out.push(Finding::UdpOverload {
                lost: r.lost(),
                sent: r.sent.sent,
                kernel: match (r.received.socket_drops, r.received.rcvbuf_errors) {
                    (Some(drops), Some(rcvbuf_errors)) => KernelDrops::Socket {
                        drops,
                        rcvbuf_errors,
                        markers: r.control_datagrams_lost().filter(|c| *c > 0),
                    },
                    (None, Some(rcvbuf_errors)) => KernelDrops::Machine { rcvbuf_errors },
                    _ => KernelDrops::Unknown,
                },
            }),
            (Scenario::Overload, Proto::Tcp) => out.push(Finding::TcpOverload {
                lost: r.lost(),
                sent: r.sent.sent,
                elapsed_s: r.elapsed_s(),
                held_back: !r.workload.recv_delay.is_zero(),
            }),
        }
    }
    out
}

impl Finding {
    /// The finding as one sentence in `lang`.
    pub fn sentence_in(&self, lang: Lang) -> String {
        let tr = |id: &str, args: &[(&str, Arg<'_>)]| tr_in(lang, id, args);
        let pct = |x: f64| Arg::from(decimal_in(lang, x, 2));
        let trimmed = |x: f64| Arg::from(trim_float_in(lang, x));
        match self {
            Finding::UdpOnLossyLink {
                loss_percent,
                lost_percent,
                sent,
                interval: (low, high),
                inside,
                buffer_drops,
            } => tr(
                "exp-note-udp-lossy",
                &[
                    ("loss", trimmed(*loss_percent)),
                    ("lost", pct(*lost_percent)),
                    ("sent", (*sent).into()),
                    ("inside", if *inside { "yes" } else { "no" }.into()),
                    ("low", pct(*low)),
                    ("high", pct(*high)),
                    (
                        "buffer",
                        buffer_drops
                            .map(|n| tr("exp-note-udp-lossy-buffer", &[("n", n.into())]))
                            .unwrap_or_default()
                            .into(),
                    ),
                ],
            ),
            Finding::Iperf3 {
                lost_percent,
                lost_packets,
                packets,
                ours_percent,
            } => tr(
                "exp-note-iperf3",
                &[
                    ("lost", pct(*lost_percent)),
                    ("lost_packets", (*lost_packets).into()),
                    ("packets", (*packets).into()),
                    ("ours", pct(*ours_percent)),
                    ("apart", pct((lost_percent - ours_percent).abs())),
                ],
            ),
            Finding::TcpOnLossyLink {
                loss_percent,
                delivered,
                sent,
                elapsed_s,
                retransmissions,
                connect_ms,
            } => tr(
                "exp-note-tcp-lossy",
                &[
                    ("loss", trimmed(*loss_percent)),
                    ("delivered", (*delivered).into()),
                    ("sent", (*sent).into()),
                    ("elapsed", seconds_text_in(lang, *elapsed_s).into()),
                    (
                        "segments",
                        match retransmissions {
                            Some(n) => tr("common-segments", &[("n", (*n).into())]),
                            None => tr("exp-note-tcp-unknown-retransmissions", &[]),
                        }
                        .into(),
                    ),
                    (
                        "handshake",
                        connect_ms
                            .map(|ms| {
                                tr(
                                    "exp-note-tcp-handshake",
                                    &[("time", millis_text_in(lang, Some(ms)).into())],
                                )
                            })
                            .unwrap_or_default()
                            .into(),
                    ),
                ],
            ),
            Finding::UdpOverload { lost, sent, kernel } => {
                let kernel = match kernel {
                    KernelDrops::Socket {
                        drops,
                        rcvbuf_errors,
                        markers,
                    } => tr(
                        "exp-note-kernel-socket",
                        &[
                            ("drops", (*drops).into()),
                            ("errors", (*rcvbuf_errors).into()),
                            (
                                "markers",
                                markers
                                    .map(|m| {
                                        tr(
                                            "exp-note-kernel-markers",
                                            &[("lost", (*lost).into()), ("markers", m.into())],
                                        )
                                    })
                                    .unwrap_or_default()
                                    .into(),
                            ),
                        ],
                    ),
                    KernelDrops::Machine { rcvbuf_errors } => tr(
                        "exp-note-kernel-machine",
                        &[("errors", (*rcvbuf_errors).into())],
                    ),
                    KernelDrops::Unknown => tr("exp-note-kernel-unknown", &[]),
                };
                tr(
                    "exp-note-udp-overload",
                    &[
                        ("lost", (*lost).into()),
                        ("sent", (*sent).into()),
                        ("kernel", kernel.into()),
                    ],
                )
            }
            Finding::TcpOverload {
                lost,
                sent,
                elapsed_s,
                held_back,
            } => tr(
                if *held_back {
                    "exp-note-tcp-overload-held"
                } else {
                    "exp-note-tcp-overload"
                },
                &[
                    ("lost", (*lost).into()),
                    ("sent", (*sent).into()),
                    ("elapsed", seconds_text_in(lang, *elapsed_s).into()),
                ],
            ),
        }
    }
}

/// What the numbers mean, one sentence per protocol per run.
pub fn notes(runs: &[ProtoRun]) -> Vec<String> {
    notes_in(lang(), runs)
}

/// [`notes`] in `lang`.
pub fn notes_in(lang: Lang, runs: &[ProtoRun]) -> Vec<String> {
    findings(runs).iter().map(|f| f.sentence_in(lang)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::tally::Summary;
    use std::time::Duration;

    fn run(proto: Proto, scenario: Scenario, loss: f64, sent: u64, delivered: u64) -> ProtoRun {
        ProtoRun {
            proto,
            scenario,
            loss_percent: loss,
            delay: Duration::ZERO,
            link_rate_bps: None,
            workload: Workload {
                messages: sent,
                size: 1000,
                rate: None,
                recv_delay: Duration::ZERO,
                rcvbuf: None,
                idle_timeout: Duration::from_secs(1),
            },
            sent: Sent {
                sent,
                first_send_ns: Some(1_000_000_000),
                last_send_ns: Some(1_500_000_000),
                retransmissions: (proto == Proto::Tcp).then_some(12),
                spurious_retransmissions: (proto == Proto::Tcp).then_some(0),
                send_retries: 0,
                connect_ms: (proto == Proto::Tcp).then_some(0.2),
            },
            received: Received {
                summary: Summary {
                    delivered,
                    first_recv_ns: Some(1_000_100_000),
                    last_recv_ns: Some(3_000_000_000),
                    p50_ms: Some(0.05),
                    p99_ms: Some(2.5),
                    ..Summary::default()
                },
                rcvbuf_errors: (proto == Proto::Udp).then_some(0),
                ..Received::default()
            },
            link_drops: None,
            iperf3: None,
        }
    }

    #[test]
    fn derived_figures() {
        let r = run(Proto::Udp, Scenario::Lossy, 10.0, 10_000, 9_000);
        assert_eq!(r.lost(), 1_000);
        assert!((r.lost_percent() - 10.0).abs() < 1e-9);
        assert_eq!(r.elapsed_s(), Some(2.0));
        // 9000 messages * 1000 bytes * 8 bits / 2 s = 36 Mbit/s
        assert!((r.throughput_mbps().unwrap() - 36.0).abs() < 1e-9);
        assert_eq!(r.loss_within_interval(), Some(true));
        let bad = run(Proto::Udp, Scenario::Lossy, 10.0, 10_000, 8_000);
        assert_eq!(bad.loss_within_interval(), Some(false));
        assert_eq!(
            run(Proto::Tcp, Scenario::Lossy, 10.0, 10, 10).loss_within_interval(),
            None
        );
    }

    #[test]
    fn json_has_the_documented_fields() {
        let v = run(Proto::Tcp, Scenario::Lossy, 20.0, 2_000, 2_000).to_json();
        for key in [
            "proto",
            "scenario",
            "loss_percent",
            "delay_ms",
            "link_rate_bps",
            "messages",
            "size",
            "sent",
            "delivered",
            "lost",
            "duplicated",
            "reordered",
            "elapsed_s",
            "throughput_mbps",
            "p50_ms",
            "p99_ms",
            "retransmissions",
            "rcvbuf_errors",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(v["proto"], "tcp");
        assert_eq!(v["retransmissions"], 12);
        assert!(
            v["rcvbuf_errors"].is_null(),
            "a TCP run has no RcvbufErrors"
        );
        let u = run(Proto::Udp, Scenario::Overload, 0.0, 10, 5).to_json();
        assert_eq!(u["lost"], 5);
        assert!(u["retransmissions"].is_null());
        assert_eq!(u["rcvbuf_errors"], 0);
    }

    #[test]
    fn table_and_notes_say_what_happened() {
        let runs = [
            run(Proto::Tcp, Scenario::Lossy, 10.0, 10_000, 10_000),
            run(Proto::Udp, Scenario::Lossy, 10.0, 10_000, 9_000),
        ];
        let t = table(&runs, false);
        assert!(t.contains("TCP") && t.contains("UDP"), "{t}");
        assert!(t.contains("1000 (10.00%)"), "{t}");
        assert!(t.contains("12 retransmitted"), "{t}");
        let notes = notes(&runs);
        assert!(notes[0].contains("10000 of 10000 delivered"), "{notes:?}");
        assert!(
            notes[1].contains("inside the 95% interval 9.41–10.59%"),
            "{notes:?}"
        );
    }

    #[test]
    fn every_finding_speaks_both_languages() {
        let kernels = [
            KernelDrops::Socket {
                drops: 12,
                rcvbuf_errors: 14,
                markers: Some(2),
            },
            KernelDrops::Socket {
                drops: 1,
                rcvbuf_errors: 1,
                markers: None,
            },
            KernelDrops::Machine { rcvbuf_errors: 3 },
            KernelDrops::Unknown,
        ];
        let mut all = vec![
            Finding::UdpOnLossyLink {
                loss_percent: 2.5,
                lost_percent: 2.4,
                sent: 1000,
                interval: (1.53, 3.47),
                inside: true,
                buffer_drops: Some(1),
            },
            Finding::UdpOnLossyLink {
                loss_percent: 10.0,
                lost_percent: 20.0,
                sent: 1,
                interval: (0.0, 100.0),
                inside: false,
                buffer_drops: None,
            },
            Finding::Iperf3 {
                lost_percent: 10.02,
                lost_packets: 1002,
                packets: 10000,
                ours_percent: 9.5,
            },
            Finding::TcpOnLossyLink {
                loss_percent: 20.0,
                delivered: 2000,
                sent: 2000,
                elapsed_s: Some(4.5),
                retransmissions: Some(1),
                connect_ms: Some(0.111),
            },
            Finding::TcpOnLossyLink {
                loss_percent: 1.0,
                delivered: 1,
                sent: 1,
                elapsed_s: None,
                retransmissions: None,
                connect_ms: None,
            },
            Finding::TcpOverload {
                lost: 0,
                sent: 500,
                elapsed_s: Some(0.1037),
                held_back: true,
            },
            Finding::TcpOverload {
                lost: 1,
                sent: 500,
                elapsed_s: Some(1.5),
                held_back: false,
            },
        ];
        for (i, kernel) in kernels.into_iter().enumerate() {
            all.push(Finding::UdpOverload {
                lost: i as u64,
                sent: 500,
                kernel,
            });
        }
        for f in &all {
            let (en, pt) = (f.sentence_in(Lang::En), f.sentence_in(Lang::PtBr));
            assert!(!en.is_empty() && !pt.is_empty(), "{f:?}");
            assert_ne!(en, pt, "{f:?} is not translated");
            // No message identifier left where a sentence should be.
            assert!(!en.contains("exp-") && !pt.contains("exp-"), "{en} / {pt}");
        }
        // The facts' numbers, as each language writes them.
        let pt = all[0].sentence_in(Lang::PtBr);
        assert_eq!(
            pt,
            "UDP com 2,5% de perda no enlace: perdeu 2,40% de 1000 datagramas, dentro do \
             intervalo de 95% (1,53–3,47%) para 2,5% em 1000 mensagens; 1 deles foi \
             descartado pelo buffer cheio do receptor, não pelo enlace"
        );
        assert_eq!(
            all[3].sentence_in(Lang::En),
            "TCP at 20% link loss: 2000 of 2000 delivered in 4.500 s; the kernel \
             retransmitted 1 segment; the handshake before it took 0.111 ms"
        );
        assert_eq!(
            all[3].sentence_in(Lang::PtBr),
            "TCP com 20% de perda no enlace: 2000 de 2000 entregues em 4,500 s; o kernel \
             retransmitiu 1 segmento; antes disso, o handshake levou 0,111 ms"
        );
        assert!(all[1]
            .sentence_in(Lang::En)
            .contains("OUTSIDE the 95% interval"));
        assert!(all[1]
            .sentence_in(Lang::PtBr)
            .contains("FORA do intervalo de 95%"));
    }

    #[test]
    fn the_table_in_portuguese_has_its_words_and_decimal_commas() {
        let runs = [
            run(Proto::Tcp, Scenario::Overload, 0.0, 10_000, 10_000),
            run(Proto::Udp, Scenario::Lossy, 2.5, 10_000, 9_000),
        ];
        let t = table_in(Lang::PtBr, &runs, false);
        for needle in [
            "perda no enlace",
            "entregues",
            "latência p99",
            "nenhuma (loopback)",
            "2,5%",
            "9000 (90,0%)",
            "1000 (10,00%)",
            "12 retransmitidos",
            "2,000 s",
        ] {
            assert!(t.contains(needle), "no `{needle}` in\n{t}");
        }
        assert!(!t.contains("delivered") && !t.contains("10.00%"), "{t}");
        // English is the table it always was.
        let en = table_in(Lang::En, &runs, false);
        assert!(
            en.contains("none (loopback)") && en.contains("1000 (10.00%)"),
            "{en}"
        );
    }

    #[test]
    fn number_formats() {
        assert_eq!(seconds_text(Some(1.23456)), "1.235 s");
        assert_eq!(seconds_text(Some(0.0123)), "12.3 ms");
        assert_eq!(millis_text(Some(0.0521)), "0.052 ms");
        assert_eq!(millis_text(Some(1250.0)), "1.25 s");
        assert_eq!(trim_float(10.0), "10");
        assert_eq!(trim_float(2.5), "2.5");
    }
}
