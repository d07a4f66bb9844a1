//! UDP flows: numbered by unordered 4-tuple, nothing else to track.
//!
//! UDP has no connection, so a flow never ends: when the table is full the
//! flow idle the longest is forgotten (if it comes back it gets a new
//! number and its first datagram is explained again). Finding that flow
//! costs O(1) amortised ([`Recency`]), not a scan of every flow.

use std::collections::HashMap;
use std::net::SocketAddr;

use crate::wire::Datagram;

use super::note::UdpNote;
use super::recency::Recency;
use super::{DatagramNote, FlowKey};

/// One UDP flow.
#[derive(Debug)]
struct UdpFlow {
    id: u64,
    /// The sender of the first datagram seen.
    first_src: SocketAddr,
    datagrams: u64,
    /// Its latest stamp in the recency queue.
    stamp: u64,
}

/// The UDP flow table, at most `max` entries.
#[derive(Debug)]
pub(super) struct UdpFlows {
    flows: HashMap<FlowKey, UdpFlow>,
    recency: Recency<FlowKey>,
    next_id: u64,
    max: usize,
}

impl UdpFlows {
    pub(super) fn new(max: usize) -> UdpFlows {
        UdpFlows {
            flows: HashMap::new(),
            recency: Recency::new(),
            next_id: 1,
            max,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.flows.len()
    }

    pub(super) fn clear(&mut self) {
        self.flows.clear();
        self.recency.clear();
    }

    pub(super) fn on_datagram(&mut self, d: &Datagram) -> DatagramNote {
        let key = FlowKey::new(d.src, d.dst);
        let len = d.payload_len;
        let stamp = self.recency.touch(key);
        if let Some(flow) = self.flows.get_mut(&key) {
            flow.datagrams += 1;
            flow.stamp = stamp;
            let n = flow.datagrams;
            let note = if d.src == flow.first_src {
                UdpNote::Next { len, n }
            } else {
                UdpNote::Reply { len, n }
            };
            let id = flow.id;
            self.compact();
            return DatagramNote { flow: id, note };
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
                    stamp,
                },
            );
        }
        self.compact();
        DatagramNote {
            flow: id,
            note: UdpNote::First { len },
        }
    }

    /// Forget the flow whose latest datagram is the oldest.
    fn forget_idlest(&mut self) {
        let flows = &self.flows;
        if let Some(k) = self.recency.oldest(|k| flows.get(k).map(|f| f.stamp)) {
            self.recency.pop();
            self.flows.remove(&k);
        }
    }

    fn compact(&mut self) {
        let flows = &self.flows;
        self.recency
            .compact(flows.len(), |k| flows.get(k).map(|f| f.stamp));
    }
}
