//! The TCP vs UDP experiment behind `tcp_vs_udp`: the same workload (N
//! messages of S bytes, optionally paced) sent once over TCP and once over
//! UDP, counting what arrives, what is lost, duplicated or out of order, how
//! long it took and how late each message was.
//!
//! | module       | what it holds                                                       | pure? |
//! |--------------|---------------------------------------------------------------------|-------|
//! | [`message`]  | the message: sequence number and send time, padded to `--size`       | yes   |
//! | [`tally`]    | the receiver's count, percentiles, the binomial 95% interval         | yes   |
//! | [`kernel`]   | the kernel's UDP drop counters (`RcvbufErrors`, per-socket drops)    | I/O   |
//! | [`endpoint`] | the sender and the receiver, for both protocols                     | I/O   |
//! | [`local`]    | the `overload` scenario: both ends as threads on loopback           | I/O   |
//! | [`lossy`]    | the `lossy` scenario: both ends in namespaces `alice` and `bob`      | I/O   |
//! | [`report`]   | one protocol's result: JSON object, table, what it means            | yes   |
//! | [`plot`]     | the SVG of delivered % and elapsed time against the loss rate        | I/O   |
//! | [`progress`] | the progress bar of runs longer than a second                        | I/O   |

use std::time::Duration;

pub mod endpoint;
pub mod kernel;
pub mod local;
pub mod lossy;
pub mod message;
pub mod plot;
pub mod progress;
pub mod report;
pub mod tally;

pub use report::ProtoRun;

use crate::i18n::{tr_in, Lang};
use crate::net::NetError;
use crate::netns::NetnsError;

/// The largest `--messages`: the receiver keeps one latency per message.
pub const MAX_MESSAGES: u64 = 10_000_000;

/// The transport protocol of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Proto {
    Tcp,
    Udp,
}

impl Proto {
    /// `"tcp"` or `"udp"`, as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }

    /// `"TCP"` or `"UDP"`, as in prose and tables.
    pub fn upper(self) -> &'static str {
        match self {
            Proto::Tcp => "TCP",
            Proto::Udp => "UDP",
        }
    }
}

/// Where the messages go and what gets in their way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// Loopback, the sender as fast as it can, the receiver slow (`--recv-delay`). No root.
    Overload,
    /// Two namespaces `alice` and `bob`, the kernel dropping `--loss` percent of packets. Root, Linux.
    Lossy,
}

impl Scenario {
    /// `"overload"` or `"lossy"`, as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Overload => "overload",
            Scenario::Lossy => "lossy",
        }
    }
}

/// The same for both protocols: what to send and how the receiver behaves.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// Messages to send.
    pub messages: u64,
    /// Bytes per message (header included).
    pub size: usize,
    /// Messages per second; `None`: as fast as possible.
    pub rate: Option<f64>,
    /// Pause of the receiver after each message.
    pub recv_delay: Duration,
    /// SO_RCVBUF asked for the receiving socket; `None`: the kernel's default.
    pub rcvbuf: Option<usize>,
    /// How long the UDP receiver waits for stragglers once the sender is done.
    pub idle_timeout: Duration,
}

/// Why a run of the experiment failed. Its message is in the process's
/// language ([`ExperimentError::message_in`] for another).
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error(transparent)]
    Netns(#[from] NetnsError),
    /// The TCP receiver waited `waited` and no sender connected.
    #[error("{}", self.message_in(crate::i18n::lang()))]
    NoSender { waited: Duration },
    /// A system call failed while doing `what` (already in the process's
    /// language).
    #[error("{what}: {error}")]
    Io {
        what: String,
        #[source]
        error: std::io::Error,
    },
    /// A role process (`receiver` or `sender`) failed; `detail` is what it
    /// said (or why we know it failed, in the process's language).
    #[error("{}", self.message_in(crate::i18n::lang()))]
    Child {
        role: &'static str,
        ns: String,
        detail: String,
    },
    /// iperf3 failed; what it said, or why (in the process's language).
    #[error("iperf3: {0}")]
    Iperf3(String),
    /// Ctrl-C or SIGTERM.
    #[error("{}", self.message_in(crate::i18n::lang()))]
    Interrupted,
    /// A `sender` or `receiver` thread panicked.
    #[error("{}", self.message_in(crate::i18n::lang()))]
    Panicked(&'static str),
}

impl ExperimentError {
    /// The one-line message in `lang` (what happened, what to do).
    pub fn message_in(&self, lang: Lang) -> String {
        match self {
            ExperimentError::Net(e) => e.to_string(),
            ExperimentError::Netns(e) => e.message_in(lang),
            ExperimentError::NoSender { waited } => {
                let waited = match lang {
                    Lang::En => format!("{waited:.1?}"),
                    _ => duration_in(lang, *waited),
                };
                tr_in(lang, "exp-err-no-sender", &[("waited", waited.into())])
            }
            ExperimentError::Io { what, error } => format!("{what}: {error}"),
            ExperimentError::Child { role, ns, detail } => tr_in(
                lang,
                "exp-err-child",
                &[
                    ("role", (*role).into()),
                    ("ns", ns.into()),
                    ("detail", detail.into()),
                ],
            ),
            ExperimentError::Iperf3(detail) => format!("iperf3: {detail}"),
            ExperimentError::Interrupted => tr_in(lang, "exp-err-interrupted", &[]),
            ExperimentError::Panicked(thread) => {
                tr_in(lang, "exp-err-panicked", &[("thread", (*thread).into())])
            }
        }
    }
}

/// A duration in a message: as Rust writes it in English (`30s`, `1.5s`,
/// as these messages always said it), for people in Portuguese (`30 s`,
/// `1,5 s`).
pub fn duration_in(lang: Lang, d: Duration) -> String {
    match lang {
        Lang::En => format!("{d:?}"),
        _ => crate::link::duration_text_in(lang, d),
    }
}

impl From<std::io::Error> for ExperimentError {
    fn from(error: std::io::Error) -> Self {
        ExperimentError::Io {
            what: crate::t!("exp-step-socket-call"),
            error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_speaks_both_languages() {
        let errors = [
            ExperimentError::NoSender {
                waited: Duration::from_secs(60),
            },
            ExperimentError::Child {
                role: "receiver",
                ns: "socklab-1-lossy-bob".into(),
                detail: "boom".into(),
            },
            ExperimentError::Child {
                role: "sender",
                ns: "socklab-1-lossy-alice".into(),
                detail: "boom".into(),
            },
            ExperimentError::Interrupted,
            ExperimentError::Panicked("sender"),
            ExperimentError::Panicked("receiver"),
            ExperimentError::Netns(NetnsError::NotRoot),
        ];
        for e in &errors {
            let (en, pt) = (e.message_in(Lang::En), e.message_in(Lang::PtBr));
            assert!(!en.is_empty() && !pt.is_empty(), "{e:?}");
            assert_ne!(en, pt, "{e:?} is not translated");
        }
        // English as it always was; Portuguese with its own units.
        assert_eq!(
            errors[0].message_in(Lang::En),
            "no sender connected within 60.0s: the sender failed to start; see its error above"
        );
        assert!(errors[0].message_in(Lang::PtBr).contains("60 s"));
        assert_eq!(
            errors[1].message_in(Lang::PtBr),
            "o receptor no namespace socklab-1-lossy-bob falhou: boom"
        );
        // The details and steps that go inside the errors.
        let args = [
            ("program", "iperf3".into()),
            ("line", "@socklab ready x".into()),
            ("waited", "30s".into()),
            ("attempt", 2.into()),
            ("attempts", 5.into()),
            ("error", "x".into()),
            ("stderr", "x".into()),
            ("field", "end.sum.packets".into()),
            ("proto", "TCP".into()),
        ];
        for id in [
            "exp-child-no-report",
            "exp-child-said",
            "exp-child-not-ready",
            "exp-step-socket-call",
            "exp-step-start",
            "exp-step-find-exe",
            "exp-step-lossy",
            "exp-step-lossy-private",
            "exp-step-loopback-run",
            "exp-no-pipes",
            "exp-iperf3-attempt-failed",
            "exp-iperf3-gave-up",
            "exp-iperf3-no-ip",
            "exp-iperf3-no-server",
            "exp-iperf3-no-result",
            "exp-iperf3-not-json",
            "exp-iperf3-no-sum",
            "exp-iperf3-no-field",
            "exp-interrupted-cleaned",
        ] {
            let (en, pt) = (tr_in(Lang::En, id, &args), tr_in(Lang::PtBr, id, &args));
            assert!(en != id && !pt.is_empty() && en != pt, "{id}: {en} / {pt}");
        }
    }
}
