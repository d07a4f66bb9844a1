//! One protocol's result in one run, and the ways it is shown: a JSON
//! object for scripts, a table row for people, and a sentence saying what
//! the numbers mean. Pure.

use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};
use serde_json::{json, Value};

use super::endpoint::{Received, Sent};
use super::tally::loss_interval_95;
use super::{Proto, Scenario, Workload};

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
    match s {
        None => "-".into(),
        Some(s) if s >= 1.0 => format!("{s:.3} s"),
        Some(s) => format!("{:.1} ms", s * 1e3),
    }
}

/// `0.052 ms`, `12.3 ms`, `1.25 s`, `-`.
pub fn millis_text(ms: Option<f64>) -> String {
    match ms {
        None => "-".into(),
        Some(ms) if ms >= 1000.0 => format!("{:.2} s", ms / 1e3),
        Some(ms) if ms >= 10.0 => format!("{ms:.1} ms"),
        Some(ms) => format!("{ms:.3} ms"),
    }
}

/// What the kernel says about the run, for the table's last column.
fn kernel_text(r: &ProtoRun) -> String {
    match r.proto {
        Proto::Tcp => match r.sent.retransmissions {
            Some(n) => format!("{n} retransmitted"),
            None => "-".into(),
        },
        Proto::Udp => {
            let mut parts = Vec::new();
            if let Some(e) = r.received.rcvbuf_errors {
                parts.push(format!("RcvbufErrors +{e}"));
            }
            if let Some((to_receiver, _)) = r.link_drops {
                parts.push(format!("link dropped {to_receiver}"));
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
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if !color {
        t.force_no_tty();
    }
    t.set_header(vec![
        "link loss",
        "proto",
        "sent",
        "delivered",
        "lost",
        "dup",
        "out of order",
        "elapsed",
        "Mbit/s",
        "p50 latency",
        "p99 latency",
        "kernel counters",
    ]);
    for r in runs {
        let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
        let link = match r.scenario {
            Scenario::Overload => "none (loopback)".to_string(),
            Scenario::Lossy if r.delay.is_zero() => format!("{}%", trim_float(r.loss_percent)),
            Scenario::Lossy => format!(
                "{}%, RTT {} ms",
                trim_float(r.loss_percent),
                trim_float(2.0 * r.delay.as_secs_f64() * 1000.0)
            ),
        };
        t.add_row(vec![
            right(link),
            Cell::new(r.proto.upper()),
            right(r.sent.sent.to_string()),
            right(format!("{} ({:.1}%)", r.delivered(), r.delivered_percent())),
            right(format!("{} ({:.2}%)", r.lost(), r.lost_percent())),
            right(r.received.summary.duplicated.to_string()),
            right(r.received.summary.reordered.to_string()),
            right(seconds_text(r.elapsed_s())),
            right(
                r.throughput_mbps()
                    .map_or("-".into(), |m| format!("{m:.1}")),
            ),
            right(millis_text(r.received.summary.p50_ms)),
            right(millis_text(r.received.summary.p99_ms)),
            Cell::new(kernel_text(r)),
        ]);
    }
    t.to_string()
}

/// `10`, `2.5`: a percentage without trailing zeros.
pub fn trim_float(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// What the numbers mean, one sentence per protocol per run.
pub fn notes(runs: &[ProtoRun]) -> Vec<String> {
    let mut out = Vec::new();
    for r in runs {
        match (r.scenario, r.proto) {
            (Scenario::Lossy, Proto::Udp) => {
                let (lo, hi) = r.expected_loss_interval().unwrap_or((0.0, 0.0));
                let inside = r.loss_within_interval().unwrap_or(false);
                out.push(format!(
                    "UDP at {}% link loss: {:.2}% of {} datagrams lost, {} the 95% interval {lo:.2}–{hi:.2}% for {}% over {} messages{}",
                    trim_float(r.loss_percent),
                    r.lost_percent(),
                    r.sent.sent,
                    if inside { "inside" } else { "OUTSIDE" },
                    trim_float(r.loss_percent),
                    r.sent.sent,
                    match r.received.rcvbuf_errors {
                        Some(e) if e > 0 => format!(
                            "; {e} of them were dropped by the receiver's full buffer, not by the link"
                        ),
                        _ => String::new(),
                    }
                ));
                if let Some(i) = &r.iperf3 {
                    out.push(format!(
                        "iperf3 on the same link: {:.2}% lost ({} of {}); tcp_vs_udp measured {:.2}%: {:.2} percentage points apart",
                        i.lost_percent,
                        i.lost_packets,
                        i.packets,
                        r.lost_percent(),
                        (i.lost_percent - r.lost_percent()).abs()
                    ));
                }
            }
            (Scenario::Lossy, Proto::Tcp) => out.push(format!(
                "TCP at {}% link loss: {} of {} delivered in {}; the kernel retransmitted {} segments{}",
                trim_float(r.loss_percent),
                r.delivered(),
                r.sent.sent,
                seconds_text(r.elapsed_s()),
                r.sent
                    .retransmissions
                    .map_or("an unknown number of".into(), |n| n.to_string()),
                r.sent.connect_ms.map_or(String::new(), |ms| format!(
                    "; the handshake before it took {}",
                    millis_text(Some(ms))
                )),
            )),
            (Scenario::Overload, Proto::Udp) => {
                let kernel = match (r.received.socket_drops, r.received.rcvbuf_errors) {
                    (Some(d), Some(e)) => format!(
                        "the kernel dropped {d} datagrams on this socket's full receive buffer{} (RcvbufErrors grew by {e} on the whole machine)",
                        r.control_datagrams_lost()
                            .filter(|c| *c > 0)
                            .map_or(String::new(), |c| format!(
                                ": these {} and {c} end or warm-up marker(s)",
                                r.lost()
                            ))
                    ),
                    (None, Some(e)) => format!("RcvbufErrors grew by {e}"),
                    _ => "the kernel's counters could not be read".into(),
                };
                out.push(format!(
                    "UDP: {} of {} datagrams never reached the application; {kernel}",
                    r.lost(),
                    r.sent.sent,
                ));
            }
            (Scenario::Overload, Proto::Tcp) if !r.workload.recv_delay.is_zero() => {
                out.push(format!(
                    "TCP: {} lost; flow control held the sender back to the receiver's pace: {} for {} messages",
                    r.lost(),
                    seconds_text(r.elapsed_s()),
                    r.sent.sent
                ))
            }
            (Scenario::Overload, Proto::Tcp) => out.push(format!(
                "TCP: {} lost; {} for {} messages",
                r.lost(),
                seconds_text(r.elapsed_s()),
                r.sent.sent
            )),
        }
    }
    out
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
    fn number_formats() {
        assert_eq!(seconds_text(Some(1.23456)), "1.235 s");
        assert_eq!(seconds_text(Some(0.0123)), "12.3 ms");
        assert_eq!(millis_text(Some(0.0521)), "0.052 ms");
        assert_eq!(millis_text(Some(1250.0)), "1.25 s");
        assert_eq!(trim_float(10.0), "10");
        assert_eq!(trim_float(2.5), "2.5");
    }
}
