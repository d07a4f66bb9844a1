//! UDP flows: numbered by unordered 4-tuple, nothing else to track.
//!
//! UDP has no connection, so a flow never ends: when the table is full the
//! flow idle the longest is forgotten (if it comes back it gets a new
//! number and its first datagram is explained again).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::wire::Datagram;

use super::{DatagramNote, FlowKey};

/// One UDP flow.
#[derive(Debug)]
struct UdpFlow {
    id: u64,
    /// The sender of the first datagram seen.
    first_src: SocketAddr,
    datagrams: u64,
    /// Packet time of the latest datagram (to forget the idlest flow).
    last: Duration,
}

/// The UDP flow table, at most `max` entries.
#[derive(Debug)]
pub(super) struct UdpFlows {
    flows: HashMap<FlowKey, UdpFlow>,
    next_id: u64,
    max: usize,
}

impl UdpFlows {
    pub(super) fn new(max: usize) -> UdpFlows {
        UdpFlows {
            flows: HashMap::new(),
            next_id: 1,
            max,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.flows.len()
    }

    pub(super) fn clear(&mut self) {
        self.flows.clear();
    }

    pub(super) fn on_datagram(&mut self, t: Duration, d: &Datagram) -> DatagramNote {
        let key = FlowKey::new(d.src, d.dst);
        let len = d.payload_len;
        let bytes = if len == 1 { "byte" } else { "bytes" };
        if let Some(flow) = self.flows.get_mut(&key) {
            flow.datagrams += 1;
            flow.last = flow.last.max(t);
            let n = flow.datagrams;
            let note = if d.src == flow.first_src {
                format!("UDP datagram of {len} {bytes} (number {n} in this flow).")
            } else {
                format!(
                    "UDP reply of {len} {bytes} (number {n} in this flow), sent back to the \
                     address the first datagram came from."
                )
            };
            return DatagramNote {
                flow: flow.id,
                note,
            };
        }
        let id = self.next_id;
        self.next_id += 1;
        if self.flows.len() >= self.max {
            self.forget_idlest();
        }
        if self.flows.len() < self.max {
            self.flows.insert(
                key,
                UdpFlow {
                    id,
                    first_src: d.src,
                    datagrams: 1,
                    last: t,
                },
            );
        }
        DatagramNote {
            flow: id,
            note: format!(
                "UDP datagram of {len} {bytes}: no handshake precedes it and no teardown \
                 follows; it stands alone."
            ),
        }
    }

    /// Forget the flow whose latest datagram is the oldest.
    fn forget_idlest(&mut self) {
        let idlest = self
            .flows
            .iter()
            .min_by_key(|(_, f)| (f.last, f.id))
            .map(|(k, _)| *k);
        if let Some(k) = idlest {
            self.flows.remove(&k);
        }
    }
}
