//! A progress bar on stderr for runs longer than a second (indicatif). It
//! appears only on a terminal, and only once a run has lasted
//! [`SHOW_AFTER`], so short runs and scripts see nothing.
//!
//! Lines printed while the bar shows must go through [`Progress::suspend`],
//! or the bar's redraws leave copies of it between them.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A run shorter than this shows no bar.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);

/// The bar of one run (one protocol at one loss rate).
pub struct Progress {
    enabled: bool,
    label: String,
    total: u64,
    started: Instant,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar for `total` messages, labelled `label` (`udp 10% loss`);
    /// `enabled` false (or stderr not a terminal) shows nothing.
    pub fn new(enabled: bool, label: impl Into<String>, total: u64) -> Progress {
        Progress {
            enabled: enabled && std::io::stderr().is_terminal(),
            label: label.into(),
            total,
            started: Instant::now(),
            bar: None,
        }
    }

    /// Messages sent and received so far.
    pub fn update(&mut self, sent: u64, received: u64) {
        if !self.enabled || self.started.elapsed() < SHOW_AFTER {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(
                Some(self.total),
                ProgressDrawTarget::stderr_with_hz(10),
            );
            // The words are the catalogue's; the braces are indicatif's.
            let template = format!(
                "{{prefix:>14}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {}, {{msg}}",
                crate::t!("exp-progress-sent")
            );
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style);
            }
            bar.set_prefix(self.label.clone());
            bar
        });
        bar.set_position(sent);
        bar.set_message(crate::t!("exp-progress-received", n = received));
    }

    /// Run `f` (which prints a line) with the bar out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// The run is over: remove the bar.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
