//! The `overload` scenario: sender and receiver as two threads of this
//! process, on loopback. No root needed.

use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::Duration;

use super::endpoint::{self, Controls, Received, Receiver, ReceiverConfig, SenderConfig, Sent};
use super::progress::Progress;
use super::{ExperimentError, Proto, Workload};
use crate::narrate::Narrator;

/// How often the progress bar is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// Run the workload once over `proto` between two threads, the receiver
/// bound to `ip`.
pub fn run(
    proto: Proto,
    ip: IpAddr,
    w: &Workload,
    n: &Narrator,
    show_progress: bool,
) -> Result<(Sent, Received), ExperimentError> {
    let receiver = Receiver::bind(
        ReceiverConfig {
            proto,
            bind: SocketAddr::new(ip, 0),
            messages: w.messages,
            size: w.size,
            recv_delay: w.recv_delay,
            rcvbuf: w.rcvbuf,
            idle_timeout: w.idle_timeout,
        },
        n.tagged(crate::t!("exp-tag-receiver", proto = proto.as_str())),
    )?;
    let sender_cfg = SenderConfig {
        proto,
        to: receiver.local_addr(),
        messages: w.messages,
        size: w.size,
        rate: w.rate,
    };
    let controls = Controls::default();
    // The two threads narrate straight to stdout, which the bar would
    // garble on a terminal: no bar when narration goes to the terminal.
    let narration_on_terminal = !n.is_quiet() && std::io::stdout().is_terminal();
    let mut progress = Progress::new(
        show_progress && !narration_on_terminal,
        proto.as_str(),
        w.messages,
    );

    let (sent, received) = thread::scope(|s| {
        let rc = controls.clone();
        let receiving = s.spawn(move || receiver.run(&rc));
        let sn = n.tagged(crate::t!("exp-tag-sender", proto = proto.as_str()));
        let sc = controls.clone();
        let sending = s.spawn(move || endpoint::send(&sender_cfg, &sn, &sc));
        while !(receiving.is_finished() && sending.is_finished()) {
            thread::sleep(TICK);
            progress.update(
                controls.sent.load(Ordering::Relaxed),
                controls.received.load(Ordering::Relaxed),
            );
        }
        let sent = sending
            .join()
            .map_err(|_| ExperimentError::Panicked("sender"));
        // A sender that failed never set the flag: let the receiver go.
        controls.sender_done.store(true, Ordering::Relaxed);
        let received = receiving
            .join()
            .map_err(|_| ExperimentError::Panicked("receiver"));
        (sent, received)
    });
    progress.finish();
    let sent = sent??;
    Ok((sent, received??))
}
